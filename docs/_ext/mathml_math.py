"""Sphinx math renderer that writes MathML at build time (with the pure-Python `latex2mathml`).

Why: the default renderer loads MathJax from a CDN, which the site must never do. MathML needs no script and no
font download: Chromium (109+), Firefox and Safari draw it natively, search indexes its text, and a formula that
cannot be converted fails the build instead of showing raw TeX to a reader.
"""
from docutils import nodes
from latex2mathml.converter import convert
from sphinx.util import logging

log = logging.getLogger(__name__)


def _mathml(node, display):
    tex = node.astext()
    try: return convert(tex, display=display)
    except Exception as e:  # an unsupported command: say which formula, where
        log.warning(f'cannot render math {tex!r} as MathML: {e}', location=node)
        return f'<code>{tex}</code>'


def visit_math(self, node):
    self.body.append(_mathml(node, 'inline'))
    raise nodes.SkipNode


def visit_math_block(self, node):
    self.body.append(f'<div class="math notranslate">{_mathml(node, "block")}</div>')
    raise nodes.SkipNode


def setup(app):
    app.add_html_math_renderer('mathml', (visit_math, None), (visit_math_block, None))
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
