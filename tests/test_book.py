"The book as a whole: every cell runs under Run All, the README's figures come from results/, inference never imports the trainer."
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIP_FLAGS = ('slow', 'notest', 'eval: false', 'eval:false')

def test_no_cell_is_skipped():
    "nbdev-test would skip flagged cells that Jupyter runs: none may exist, so the notebook tests prove Run All works."
    flagged = []
    for nb in sorted((ROOT/'nbs').glob('*.ipynb')):
        for i, c in enumerate(json.loads(nb.read_text())['cells']):
            if c['cell_type'] != 'code': continue
            flags = [l[3:].strip() for l in ''.join(c['source']).splitlines() if l.startswith('#|')]
            flagged += [f"{nb.name} cell {i}: #| {f}" for f in flags if f in SKIP_FLAGS]
    assert not flagged, flagged

def test_readme_matches_results():
    r = subprocess.run([sys.executable, str(ROOT/'tools'/'make_readme.py'), '--check'], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr

def test_inference_does_not_import_trainer():
    code = ("import sys, textdiff_mnist.generation, textdiff_mnist.ui; from textdiff_mnist.cli import build_parser; "
            "build_parser().parse_args(['generate', '7']); build_parser().parse_args(['bench', '--quick']); "
            "print(sorted(m for m in sys.modules if m.startswith('textdiff_mnist.')))")
    mods = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert 'checkpoint' in mods and 'textdiff_mnist.train' not in mods and 'textdiff_mnist.bench' not in mods, mods
