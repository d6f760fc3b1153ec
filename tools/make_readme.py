"""Regenerate README.md from nbs/index.ipynb, whose figures are computed from results/ (json).

    python tools/make_readme.py           # run index.ipynb (stores its outputs), then write README.md
    python tools/make_readme.py --check   # exit 1 if README.md or index.ipynb's outputs are out of date

Markdown cells are copied; `#| hide` cells are dropped; `#| echo: false` cells contribute their markdown output.
"""
import re, sys, tempfile, shutil
from pathlib import Path
from nbdev.process import read_nb
sys.path.insert(0, str(Path(__file__).parent))
from run_notebook import run

ROOT = Path(__file__).resolve().parent.parent
INDEX, README = ROOT/'nbs'/'index.ipynb', ROOT/'README.md'

def _flags(src: str) -> set:
    return {m.group(1).strip() for m in re.finditer(r'^#\|\s*(.+)$', src, re.M)}

def to_markdown(nb) -> str:
    "The README text of an executed index notebook."
    parts = []
    for c in nb.cells:
        if c.cell_type == 'markdown': parts.append(c.source)
        elif c.cell_type == 'code':
            fl = _flags(c.source)
            if 'hide' in fl: continue
            if 'echo: false' in fl:
                for o in c.get('outputs', []):
                    md = o.get('data', {}).get('text/markdown')
                    if md: parts.append(''.join(md) if isinstance(md, list) else md)
            else: parts.append(f"```python\n{c.source}\n```")
    # links relative to nbs/ made relative to the repository: ../results/x.png -> results/x.png, 12_generate.ipynb -> nbs/12_generate.ipynb
    text = '\n\n'.join(p.strip() for p in parts).replace('](../', '](')
    return re.sub(r'\]\((\d+[a-zA-Z0-9]*_[\w-]+\.ipynb)(?=[#)])', r'](nbs/\1', text) + '\n'

def build(index=INDEX) -> tuple[str, str]:
    "Execute a copy of the index notebook; return (its text after execution, the README text)."
    with tempfile.TemporaryDirectory() as d:
        tmp = ROOT/'nbs'/f'.index-{Path(d).name}.ipynb'      # beside the original: the same relative paths
        shutil.copy(index, tmp)
        try:
            run(tmp, quiet=True)
            return tmp.read_text(), to_markdown(read_nb(tmp))
        finally: tmp.unlink(missing_ok=True)

if __name__ == '__main__':
    nb_text, readme = build()
    if '--check' in sys.argv:
        stale = [str(p.relative_to(ROOT)) for p, t in ((INDEX, nb_text), (README, readme)) if p.read_text() != t]
        if stale: sys.exit(f"out of date with results/: {', '.join(stale)}; run `make readme`")
        print("README.md and nbs/index.ipynb match results/")
    else:
        INDEX.write_text(nb_text); README.write_text(readme)
        print(f"wrote {INDEX.relative_to(ROOT)} and {README.relative_to(ROOT)}")
