"""Execute chapters top to bottom ("Run All", every cell, no nbdev flags honoured) and store their outputs in place.

    python tools/run_notebook.py nbs/10_samplers.ipynb [more.ipynb ...]

This is how the committed teaching outputs (grids, plots, tables) are regenerated. Cells run with the
working directory `nbs/`, as in Jupyter. Widget state and oversized outputs are dropped, so notebooks stay small;
`nbdev-clean` then removes execution counts and metadata. Exits 1 (and writes nothing) if a cell fails.
"""
import os, sys
from pathlib import Path
from nbdev.process import read_nb, write_nb
from execnb.shell import CaptureShell

MAX_OUTPUT = 300_000          # characters of one output kept in the notebook
DROP_MIME = ('application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json')

def _keep(o) -> bool:
    data = o.get('data', {})
    for m in DROP_MIME: data.pop(m, None)
    if o.get('output_type') in ('display_data', 'execute_result') and not data: return False
    return sum(len(str(v)) for v in (data or {'t': o.get('text', '')}).values()) <= MAX_OUTPUT

def run(path) -> None:
    path = Path(path).resolve()
    nb = read_nb(path)
    cwd = os.getcwd(); os.chdir(path.parent)
    try: CaptureShell().run_all(nb, exc_stop=True)
    finally: os.chdir(cwd)
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = [o for o in c.get('outputs', []) if _keep(o)]
    write_nb(nb, path)

if __name__ == '__main__':
    for p in sys.argv[1:]:
        print(f"running {p}", flush=True); run(p)
    os.system(f"{Path(sys.executable).parent/'nbdev-clean'} --fname {' '.join(sys.argv[1:])}" if len(sys.argv) == 2 else f"{Path(sys.executable).parent/'nbdev-clean'}")
