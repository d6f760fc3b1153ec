"""Weights in the field's formats (issue 26, chapter 9): every shipped network loads from safetensors with no pickle at
all, and huggingface_hub's PyTorchModelHubMixin reads the export of `textdiff-mnist export --format safetensors` offline,
giving the same weights and the same images as `get_model()`. (Pushing to the Hub needs the network: not tested.)"""
import json, os, subprocess, sys
from pathlib import Path
import pytest
import torch
pytest.register_assert_rewrite('_fixtures')
from _fixtures import CLI

ENV = {**os.environ, 'OMP_NUM_THREADS': '1'}

# A fresh process (nothing loaded or cached before), in which torch.load and every way into pickle raise from the start.
NO_PICKLE = r'''
import json, pickle, _pickle, torch, torch.serialization
def refuse(*a, **k): raise RuntimeError('pickle was used')
for mod, name in ((torch, 'load'), (torch.serialization, 'load'), (pickle, 'Unpickler'), (pickle, 'load'), (pickle, 'loads'),
                  (_pickle, 'Unpickler'), (_pickle, 'load'), (_pickle, 'loads')): setattr(mod, name, refuse)
torch.set_num_threads(1)
from textdiff_mnist.generation import generate, get_model, model_for, bundled_weights
from textdiff_mnist.evaluator import load_evaluator, classify
from textdiff_mnist.checkpoint import weights_fingerprint, load_model, fast_card
import inspect      # the torch backend: where ONNX Runtime is installed, 'auto' first exports the model to ONNX (chapter 9b), which is not loading it
TORCH = {'backend': 'torch'} if 'backend' in inspect.signature(generate).parameters else {}
ims = generate(['a thick 3', '7'], n=2, steps=4, seed=0, **TORCH)                # the bundled model
fast = generate(['a thick 3', '7'], n=2, sampler='fast', seed=0, **TORCH)        # the bundled student, with its card
pred, _ = classify(torch.cat([ims, fast]), load_evaluator())                       # the bundled evaluator
out = dict(model=weights_fingerprint(get_model()), fast=weights_fingerprint(model_for('fast', **TORCH)), steps=fast_card()['steps'],
           evaluator=weights_fingerprint(load_evaluator()), shapes=[list(ims.shape), list(fast.shape)], pred=pred.tolist())
import tempfile; from pathlib import Path                                          # the patch works: a .pt does not load under it
with tempfile.TemporaryDirectory() as d:
    pt = Path(d)/'x.pt'; pt.write_bytes(b'PK not really')
    try: load_model(pt); out['pt'] = 'loaded'
    except Exception as e: out['pt'] = str(e)
print(json.dumps(out))
'''

def test_shipped_weights_load_without_pickle():
    r = subprocess.run([sys.executable, '-c', NO_PICKLE], capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    # the fingerprints that recipes, model_check.json and distill.json record for the v3 model and its student
    assert (got['model'], got['fast'], got['steps'], got['evaluator']) == ('0ef5286f410457fd', '149f9a80aad61c45', 4, '6777b315cae8cc2e'), got
    assert got['shapes'] == [[4, 1, 28, 28]] * 2 and got['pred'] == [3, 3, 7, 7] * 2, got
    assert 'pickle was used' in got['pt'], got['pt']                          # ... while a .pt file needs torch.load

def test_hub_mixin_reads_the_export(tmp_path, monkeypatch):
    pytest.importorskip('huggingface_hub')                 # the [hub] extra (installed by make install for the tests)
    import huggingface_hub.constants as hub_constants            # read at import: set both, whatever was imported before
    monkeypatch.setenv('HF_HUB_OFFLINE', '1'); monkeypatch.setattr(hub_constants, 'HF_HUB_OFFLINE', True)
    out = tmp_path/'export'
    r = subprocess.run([CLI, 'export', '--format', 'safetensors', '--out', str(out)], capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == ['README.md', 'config.json', 'model.safetensors']
    from huggingface_hub import PyTorchModelHubMixin, ModelCard
    from textdiff_mnist.unet import DiffusionModel
    from textdiff_mnist.generation import generate, get_model
    from textdiff_mnist.checkpoint import weights_fingerprint

    class HubModel(PyTorchModelHubMixin, DiffusionModel): pass     # the mixin first: its from_pretrained, not ours
    assert HubModel.from_pretrained.__func__ is PyTorchModelHubMixin.from_pretrained.__func__
    model = HubModel.from_pretrained(out)                           # config.json -> DiffusionModel(**config), then model.safetensors
    assert weights_fingerprint(model) == weights_fingerprint(get_model()) == '0ef5286f410457fd'
    torch.set_num_threads(1)
    kw = dict(n=2, steps=4, seed=1)
    assert torch.equal(generate(['a thin 5', 'an 8'], checkpoint=model, **kw), generate(['a thin 5', 'an 8'], checkpoint=get_model(), **kw))
    card = ModelCard.load(out/'README.md')                          # the card's front matter as the Hub reads it
    assert (card.data.license, card.data.library_name, card.data.datasets) == ('apache-2.0', 'textdiff-mnist', ['mnist'])
    assert {m.metric_type for m in card.data.eval_results} == {'accuracy', 'fid_ratio', 'heldout_accuracy'}
