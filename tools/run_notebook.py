"""Execute chapters top to bottom ("Run All": every cell, no nbdev flag honoured) and store their outputs in place.

    python tools/run_notebook.py nbs/10_samplers.ipynb [more.ipynb ...]

This is how the committed teaching outputs (grids, plots, tables) are regenerated. Cells run with the
working directory `nbs/`, as in Jupyter. Widget state and oversized outputs are dropped, so notebooks stay small,
and the notebook is then cleaned as `nbdev-clean` would. Exits non-zero (and writes nothing) if a cell fails.
"""
import os, sys
from pathlib import Path
from execnb.shell import CaptureShell
from nbdev.process import read_nb, write_nb
from nbdev.clean import clean_nb

MAX_OUTPUT = 300_000          # characters of one output kept in the notebook
DROP_MIME = ('application/vnd.jupyter.widget-view+json', 'application/vnd.jupyter.widget-state+json')

def _keep(o) -> bool:
    data = o.get('data', {})
    for m in DROP_MIME: data.pop(m, None)
    if o.get('output_type') in ('display_data', 'execute_result') and not data: return False
    return sum(len(str(v)) for v in (data or {'t': o.get('text', '')}).values()) <= MAX_OUTPUT

def run(path, quiet: bool = False) -> None:
    "Run every cell of the notebook at `path` in a fresh shell, in its own folder, and write it back with its outputs."
    path = Path(path).resolve()
    nb = read_nb(path)
    cwd = os.getcwd(); os.chdir(path.parent)
    try: CaptureShell().run_all(nb, exc_stop=True)
    finally: os.chdir(cwd)
    for c in nb.cells:
        if c.cell_type == 'code': c.outputs = [o for o in c.get('outputs', []) if _keep(o)]
    clean_nb(nb)
    write_nb(nb, path)

if __name__ == '__main__':
    for p in sys.argv[1:]:
        print(f"running {p}", flush=True); run(p)
