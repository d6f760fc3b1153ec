"""One path from prompt to pixels: a request is validated once and its model loaded once, whichever edge builds it
(the CLI, the server); the sampling loop itself never sees a prompt."""
import ast
from pathlib import Path
from unittest.mock import patch
import pytest
import textdiff_mnist.generation as G
from textdiff_mnist.cli import main

PKG = Path(G.__file__).parent

def counting(*names):
    "Patch `names` of the generation module with wrappers that count their calls; returns (the patches, the counts)."
    calls = dict.fromkeys(names, 0)
    def wrap(name, f):
        def counted(*a, **k): calls[name] += 1; return f(*a, **k)
        return counted
    return [patch.object(G, n, wrap(n, getattr(G, n))) for n in names], calls

@pytest.mark.parametrize('extra', [['--gif', 'g.gif'], ['--sampler', 'fast']])
def test_cli_generate_validates_and_loads_once(tmp_path, monkeypatch, extra):
    monkeypatch.chdir(tmp_path)
    patches, calls = counting('validate_request', 'model_for')
    with patches[0], patches[1]:
        main(['generate', 'a thick 7', '3', '--n', '2', '--steps', '2', '--out', 'g.png'] + extra)
    assert calls == {'validate_request': 1, 'model_for': 1}
    assert (tmp_path/'g.png').exists() and G.read_recipe(tmp_path/'g.png')['n'] == 2

def test_cli_restyle_and_interpolate_validate_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    from PIL import Image, ImageDraw
    im = Image.new('L', (64, 64), 255); ImageDraw.Draw(im).line((32, 8, 32, 56), fill=0, width=6); im.save('one.png')
    for argv in (['restyle', 'one.png', 'a thick 1', '--n', '2', '--steps', '2', '--out', 'r.png'],
                 ['interpolate', '1', '7', '--frames', '3', '--steps', '2', '--seed-b', '4', '--out', 'i.png']):
        patches, calls = counting('validate_request')
        with patches[0]: main(argv)
        assert calls == {'validate_request': 1}, argv
    assert G.read_recipe('r.png')['restyle']['n'] == 2 and G.read_recipe('i.png')['interpolate']['seed_b'] == 4

def test_server_validates_once():
    pytest.importorskip('fastapi')
    from fastapi.testclient import TestClient
    from textdiff_mnist.serve import create_app
    with TestClient(create_app(device='cpu')) as client:
        patches, calls = counting('validate_request', 'model_for')
        with patches[0], patches[1]:
            r = client.post('/v1/generate', json=dict(prompt='a thick 7', n=2, steps=2, format='json'))
            assert r.status_code == 200, r.text
            bad = client.post('/v1/generate', json=dict(prompt='banana'))
        assert bad.status_code == 422 and 'banana' in bad.json()['error']
    # the good request is validated once (its `Request`); the bad one is refused by the prompt parser before any `Request` is
    # built (the parser's refusal is the 422 the API contract marks); the models were loaded at start-up
    assert calls == {'validate_request': 1, 'model_for': 0}

def test_the_loop_never_sees_a_prompt():
    "samplers.py imports nothing from captions at module level, and `sample`'s loop reads no string."
    tree = ast.parse((PKG/'samplers.py').read_text())
    top = [n for n in tree.body if isinstance(n, ast.ImportFrom)]
    assert not [n.module for n in top if n.module and 'captions' in n.module]
    loop = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == 'sample')
    assert len(loop.args.args) + len(loop.args.kwonlyargs) <= 10
    assert not {'prompts', 'style_prior', 'seeds'} & {a.arg for a in loop.args.args}
