"""The distilled student (chapters 19 and 18): the shipped weights and their card, `generate(..., sampler='fast')`, the `dataset` command and the `distill` command."""
import json, os, re, subprocess, sys
from pathlib import Path
import numpy as np
import pytest
import torch
from textdiff_mnist.core import DIGIT_WORDS
from textdiff_mnist.checkpoint import read_checkpoint, load_model, weights_fingerprint
from textdiff_mnist.checkpoint import fast_weights, fast_card
from textdiff_mnist.generation import generate, get_model, bundled_weights, GenerationError
from textdiff_mnist.metrics import conditional_accuracy
from textdiff_mnist.evaluator import load_evaluator

CLI = str(Path(sys.executable).parent/'textdiff-mnist')

def test_shipped_student_and_card():
    w = fast_weights()
    assert (w/'model.safetensors').stat().st_size <= 10 * 2**20            # <= 10 MB beside the teacher
    ck = read_checkpoint(w)
    assert all(v.dtype == torch.float16 for v in ck['ema'].values() if v.is_floating_point())
    card = fast_card()
    assert card['kind'] == 'distilled' and 1 <= card['steps'] <= 4 and card['sampler'] == 'ddim'
    assert card['teacher'] == weights_fingerprint(get_model(bundled_weights()))   # distilled from the bundled teacher
    assert card['recipe']['rounds'] and all(s['cpu_s'] > 0 for s in card['cost'])
    assert 0 < card['results']['fast_mean']['accuracy'] <= 1

def test_fast_generate_reads_as_the_digit():
    prompts = list(DIGIT_WORDS)
    imgs = generate(prompts, n=5, sampler='fast', seed=0)
    assert imgs.shape == (50, 1, 28, 28)
    assert torch.equal(imgs, generate(prompts, n=5, sampler='fast', seed=0))     # deterministic
    assert conditional_accuracy(imgs, np.repeat(np.arange(10), 5), load_evaluator()) >= 0.96

def test_fast_refuses_the_teacher():
    with pytest.raises(Exception, match='not a distilled student'):
        generate('7', sampler='fast', checkpoint=bundled_weights())

def test_cli_dataset(tmp_path):
    out = tmp_path/'synth.npz'
    r = subprocess.run([CLI, 'dataset', '--n', '30', '--chunk', '10', '--out', str(out)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    with np.load(out) as z:
        assert z['images'].shape == (30, 28, 28) and z['images'].dtype == np.uint8
        assert np.bincount(z['labels']).tolist() == [3] * 10 and len(z['prompts']) == 30
        assert json.loads(str(z['recipe']))['sampler'] == 'fast'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['synth.npz']
    bad = subprocess.run([CLI, 'dataset', '--n', '5', '--out', str(tmp_path/'x.png')], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and '.npz' in bad.stderr and len(bad.stderr.strip().splitlines()) == 1

def _keys(d, ref, where='') -> list:
    "Keys of `ref` (recursively, for dicts) missing from `d`."
    out = []
    for k, v in ref.items():
        if re.fullmatch(r'n\d+', k): continue                  # cas.n60000: named by the sample size
        if k not in d: out.append(where + k)
        elif isinstance(v, dict) and isinstance(d[k], dict): out += _keys(d[k], v, f'{where}{k}.')
    return out

def test_cli_distill_quick(tmp_path):
    "`textdiff-mnist distill` (chapter 18's `distill_recipe`), the command behind the shipped student and results/distill.json, end to end at toy sizes."
    out, env = tmp_path/'run', {**os.environ, 'OMP_NUM_THREADS': '1'}
    r = subprocess.run([CLI, 'distill', '--quick', '--out', str(out)], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"results: {out/'distill.json'}" in r.stdout, r.stdout[-2000:]
    res = json.loads((out/'distill.json').read_text())
    shipped = json.loads((Path(__file__).parent.parent/'results/distill.json').read_text())
    assert _keys(res, shipped) == []                       # everything chapter 18 and the index read
    for a, b in ((res['stages'][0], shipped['stages'][0]), (res['final']['rows'][0], shipped['final']['rows'][0]),
                 (res['stages'][0]['measured'][0], shipped['stages'][0]['measured'][0])):
        assert set(b) <= set(a)
    assert [s['stage'] for s in res['stages']] == [0, 1] and len(res['final']['rows']) == 4
    assert res['command'] == f"textdiff-mnist distill --out {out} --quick"
    card = fast_card(out/'textdiff_mnist_fast.pt')
    assert card['teacher'] == res['teacher'] and card['steps'] == 2 and card['results']['fast_mean'] == res['final']['fast_mean']
    assert weights_fingerprint(load_model(out/'textdiff_mnist_fast.pt')) == res['student']
    assert (out/'distill_rounds.png').stat().st_size > 0
    again = subprocess.run([CLI, 'distill', '--quick', '--out', str(out)], capture_output=True, text=True, timeout=300, env=env)
    assert again.returncode == 0 and json.loads((out/'distill.json').read_text())['final'] == res['final']     # all cached
    bad = subprocess.run([CLI, 'distill', '--quick', '--ship', '--out', str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert bad.returncode == 2 and 'never shipped' in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
