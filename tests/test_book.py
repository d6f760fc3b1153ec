"The book as a whole: every cell runs under Run All, the README's figures come from results/, inference never imports the trainer."
import json, subprocess, sys
import pytest
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

# The public surface whose parameters the docs' tables describe: `textdiff_mnist.__all__` and these, as 'module:qualname'.
PUBLIC = ('generation:Request', 'generation:run_sampler', 'generation:model_for', 'generation:in_backend', 'generation:make_recipe',
          'generation:regenerate', 'generation:validate_request', 'generation:get_model', 'generation:style_grid',
          'samplers:Denoiser', 'samplers:Denoiser.__call__', 'samplers:sample', 'samplers:ddim_step', 'samplers:ddpm_step',
          'samplers:dpm_step', 'samplers:seeded_start', 'samplers:noise_source', 'samplers:clip_noise', 'samplers:guidance_weight',
          'samplers:sampling_timesteps', 'samplers:SamplerSpec', 'samplers:StepContext', 'ui:GeneratorUI', 'ui:EditUI',
          'serve_settings:ServeSettings', 'checkpoint:load_model', 'checkpoint:save_pretrained', 'checkpoint:export_pretrained',
          'unet:DiffusionModel.save_pretrained', 'unet:DiffusionModel.from_pretrained')
PUBLIC_09B = ('onnx_backend:export_onnx', 'onnx_backend:ort_model', 'onnx_backend:OrtModel', 'onnx_backend:resolve_backend',
              'onnx_backend:ship_onnx', 'onnx_backend:fp16_initializers', 'runtime:OrtModel', 'runtime:load_ort', 'runtime:read_manifest',
              'runtime:bundled_export', 'runtime:resolve_backend', 'tokenizer:token_ids', 'samplers:ArrayDenoiser', 'samplers:ArrayDenoiser.__call__',
              'generation:network_for', 'generation:bundled_model', 'generation:prompt_vectors', 'generation:recipe_model', 'captions:refusal')

def undocumented(names) -> list[str]:
    "Every parameter (a dataclass's fields; a class's `__init__`'s) of `names` without a docments comment, as 'name: param'."
    import dataclasses, importlib, inspect, textdiff_mnist
    from fastcore.docments import docments
    objs = [(n, getattr(textdiff_mnist, n)) for n in textdiff_mnist.__all__]
    for spec in names:
        mod, qual = spec.split(':'); o = importlib.import_module(f'textdiff_mnist.{mod}')
        for part in qual.split('.'): o = getattr(o, part)
        objs.append((qual, o))
    missing = []
    for name, o in objs:
        if inspect.isclass(o) and not dataclasses.is_dataclass(o):
            if o.__init__ is object.__init__ or '__init__' not in vars(o): continue     # e.g. an exception: no parameters of its own
            o = o.__init__
        catch_all = {p.name for p in inspect.signature(o).parameters.values() if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        missing += [f"{name}: {k}" for k, v in docments(o).items() if not v and k not in {'self', 'cls', 'return'} | catch_all]
    return missing

def test_public_parameters_are_documented():
    "Every parameter of the public API says in its signature what it means, its range and why its default (nbdev docments: a comment after it), so the docs' tables have no empty Details."
    assert not (m := undocumented(PUBLIC)), f"parameters without a docments comment: {m}"

def test_onnx_parameters_are_documented():
    assert not (m := undocumented(PUBLIC_09B)), f"parameters without a docments comment: {m}"
