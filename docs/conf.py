"""Sphinx configuration of the docs site; `tools/build_docs.py` writes the pages (processed notebooks) and runs Sphinx.

Engine: Sphinx + MyST-NB, because it renders Jupyter notebooks with their stored outputs (no execution here:
`nb_execution_mode = 'off'`), turns `text/markdown` outputs and markdown cells into real document nodes, has an
offline full-text search (a JavaScript index shipped with the site), and needs no network at build or view time.
Theme: furo, a maintained theme that ships its own CSS/JS and uses system fonts (no font or script CDN), with a
sidebar of all pages, previous/next links on every page and a search box.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / '_ext'))

project = 'textdiff-mnist'
author = 'textdiff-mnist developers'
extensions = ['myst_nb', 'mathml_math']
root_doc = 'index'
exclude_patterns = ['_build', '**.ipynb_checkpoints']

# Notebooks: show what is stored, never execute; no widget manager / require.js from a CDN.
nb_execution_mode = 'off'
nb_ipywidgets_js = {}
nb_merge_streams = True
myst_enable_extensions = ['dollarmath', 'attrs_inline']  # $x$ and $$...$$ in the prose; {.class} on links

# Math: MathML written at build time (see _ext/mathml_math.py), not MathJax from a CDN.
html_math_renderer = 'mathml'

html_theme = 'furo'
html_title = 'textdiff-mnist'
html_baseurl = 'https://textdiff.github.io/textdiff-mnist/'
html_static_path = ['_static']
html_css_files = ['site.css']
html_favicon = '_static/favicon.png'  # a generated 7; without one the browser asks for /favicon.ico and gets a 404
html_copy_source = False      # the processed notebooks hold every image once already; don't ship them twice
html_show_sourcelink = False
html_last_updated_fmt = None

# Warnings allowed in a `-W` build, each for a reason:
# - myst.header: nbdev's show_doc entries are level-3 headings; a chapter may document a function right under
#   its title (h1 -> h3). That is nbdev's layout, not a broken page.
suppress_warnings = ['myst.header']
