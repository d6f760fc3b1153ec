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

def import_graph() -> dict:
    "Module -> the textdiff_mnist modules it imports, at the top or inside a function (`from .x import`, `from textdiff_mnist.x import`, `import textdiff_mnist.x`)."
    import ast
    mods = {p.stem: p for p in (ROOT/'textdiff_mnist').glob('*.py') if not p.stem.startswith('_')}
    graph = {m: set() for m in mods}
    for m, path in mods.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                pkg = node.module or ''
                if node.level == 1 or pkg == 'textdiff_mnist': pkg = pkg if node.level == 1 else ''
                elif pkg.startswith('textdiff_mnist.'): pkg = pkg[len('textdiff_mnist.'):]
                else: continue
                graph[m] |= {pkg.split('.')[0]} if pkg else {a.name for a in node.names if a.name in mods}
            elif isinstance(node, ast.Import):
                graph[m] |= {a.name.split('.')[1] for a in node.names if a.name.startswith('textdiff_mnist.')}
    return {m: sorted(d & set(mods) - {m}) for m, d in graph.items()}

def find_cycle(graph: dict) -> list | None:
    "One import circle of `graph` as a list of modules (first = last), or None."
    state, stack = {}, []
    def visit(m):
        state[m] = 'open'; stack.append(m)
        for n in graph[m]:
            if state.get(n) == 'open': return stack[stack.index(n):] + [n]
            if n not in state and (c := visit(n)): return c
        state[m] = 'done'; stack.pop()
    for m in sorted(graph):
        if m not in state and (c := visit(m)): return c

def test_find_cycle():
    assert find_cycle({'a': ['b'], 'b': ['c'], 'c': []}) is None
    assert find_cycle({'a': ['b'], 'b': ['c'], 'c': ['a']}) == ['a', 'b', 'c', 'a']

def test_no_import_circle():
    "No module imports, even lazily inside a function, a module that imports it back: the layers only point down."
    g = import_graph()
    assert {'bench', 'edit', 'core', 'cli'} <= set(g) and 'core' in g['bench'] and 'bench' in g['cli']   # the parser sees imports
    assert find_cycle(g) is None, f"import circle: {' -> '.join(find_cycle(g))}"
