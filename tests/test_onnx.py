"""The ONNX export (chapter 9b) and the ONNX Runtime backend (chapter 9a), end to end: the command line's export of a checkpoint
other than the bundled one, the shipped graphs against torch, ONNX Runtime missing, a tampered cache rebuilt, recipes.
The session's cache is a fresh directory (conftest.py); the bundled networks' graphs ship with the package."""
import json, subprocess
import numpy as np
import pytest
import torch
from textdiff_mnist import cli
from textdiff_mnist import onnx_backend as ob, runtime
from textdiff_mnist.generation import generate, get_model, model_for, in_backend, make_recipe, regenerate, save_samples, bundled_model

pytest_plugins = ['_fixtures']
pytest.importorskip('onnxruntime', reason='the onnx extra (pip install -e ".[onnx]") is part of the test install')

@pytest.fixture(scope='module')
def tiny_export(tiny_weights, tmp_path_factory):
    "The tiny model's graphs, exported once by the command line (the module's only export of a tiny model but one)."
    from _fixtures import CLI
    out = tmp_path_factory.mktemp('onnx')/'tiny'
    r = subprocess.run([CLI, 'export', '--format', 'onnx', '--checkpoint', str(tiny_weights), '--out', str(out)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    return out

def test_export_command_and_a_checkpoint_of_ones_own(tiny_weights, tiny_export):
    d = tiny_export
    man = ob.read_manifest(d)                                         # every graph's sha256 checked
    assert man['fingerprint'] == ob.weights_fingerprint(get_model(tiny_weights, 'cpu'))
    assert {'config', 'schedule', 'tokenizer', 'exporter', 'graphs', 'textdiff_mnist'} <= set(man)
    om = ob.OrtModel(d)                                                # the exported directory, run as it is
    kw = dict(n=2, steps=6, seed=3)
    a, b = generate(['seven', 'a thick 4'], backend='torch', checkpoint=tiny_weights, **kw), generate(['seven', 'a thick 4'], checkpoint=om, **kw)
    assert (a - b).abs().max() * 255 <= 2
    assert not torch.equal(a[0], a[1])                                 # two seeds, two images: the passes really ran

def test_shipped_graphs_match_torch():
    x, t = torch.randn(6, 1, 28, 28, generator=torch.Generator().manual_seed(0)), torch.tensor([0, 1, 200, 500, 900, 999])
    for name in runtime.SHIPPED:                                       # the teacher, the baked default, the student
        m, om = bundled_model(name, backend='torch'), bundled_model(name, backend='onnxruntime')
        assert isinstance(om, ob.OrtModel) and om.directory == runtime.bundled_export(name)      # the shipped graphs, not an export
        assert om.fingerprint == ob.weights_fingerprint(m), name      # of exactly the shipped weights
        assert in_backend(m, 'onnxruntime') is om
        prompts = ['seven', 'a thick slanted 4', 'the number 2, drawn thin', '', 'zero', 'nine']
        with torch.no_grad():
            c = m.encode(prompts)
            assert (om.encode(prompts) - c).abs().max() <= 1e-4
            assert (om(x, t, c) - m(x, t, c)).abs().max() <= 1e-4
        assert getattr(om, 'fast_steps', None) == getattr(m, 'fast_steps', None)
        assert getattr(om, 'baked_guidance', None) == getattr(m, 'baked_guidance', None)

def test_recipe_records_the_backend_and_regenerates(tmp_path):
    p = tmp_path/'a.npz'
    imgs = generate(['seven', 'two'], steps=4, sampler='ddim', backend='onnxruntime')
    recipe = make_recipe(['seven', 'two'], steps=4, sampler='ddim', backend='onnxruntime')
    assert recipe['backend'] == 'onnxruntime'
    save_samples(imgs, ['seven', 'two'], p, recipe=recipe)
    assert torch.equal(regenerate(p), imgs)                            # same backend, same machine: the same pixels
    torch_imgs = generate(['seven', 'two'], steps=4, sampler='ddim', backend='torch')
    assert (torch_imgs - imgs).abs().max() * 255 <= 2

def test_without_onnxruntime(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(runtime, '_installed', lambda *m: False)     # a broken install: ONNX Runtime is a dependency
    assert ob.resolve_backend('auto') == 'torch'
    out = tmp_path/'x.png'
    with pytest.raises(SystemExit) as e: cli.main(['generate', 'seven', '--backend', 'onnxruntime', '--steps', '2', '--out', str(out)])
    err = capsys.readouterr().err.strip()
    assert e.value.code == 2 and len(err.splitlines()) == 1 and "pip install onnxruntime==1.32.0" in err, err
    assert not out.exists()

def test_another_device_is_a_clear_error():
    with pytest.raises(ob.BackendError, match='CPU only'): ob.resolve_backend('onnxruntime', 'cuda')

def test_a_tampered_graph_is_rebuilt(tiny_model, tiny_weights, tiny_export):
    import shutil
    shutil.copytree(tiny_export, ob.onnx_cache_dir(tiny_model), dirs_exist_ok=True)   # as if exported on first use (the same weights)
    om = model_for('dpm', tiny_weights, backend='onnxruntime')         # asked for with one's own weights: from the cache
    assert isinstance(om, ob.OrtModel) and om.directory == ob.onnx_cache_dir(tiny_model)
    (om.directory/'unet.onnx').write_bytes(b'not a graph'); ob._LOADED.clear()
    with pytest.raises(ob.OnnxExportError): ob.read_manifest(om.directory)
    again = ob.ort_model(tiny_model)
    assert ob.read_manifest(again.directory)['fingerprint'] == ob.weights_fingerprint(tiny_model)
