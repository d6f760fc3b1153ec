"End-to-end: training from the command line survives kill -9 and resumes to exactly the uninterrupted result."
import os, signal, subprocess, sys, time
from pathlib import Path
import torch
from textdiff_mnist.checkpoint import read_checkpoint

CLI = str(Path(sys.executable).parent/'textdiff-mnist')   # the console script of this environment

ARGS = ['--tiny', '--subset', '3200', '--epochs', '1', '--batch-size', '32', '--ckpt-every', '10', '--sample-every', '0',
        '--no-progress', '--threads', '1']

def _train(out, *extra, **kw):
    return subprocess.Popen([CLI, 'train', '--out', str(out), *ARGS, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)

def test_resume_after_kill_9(tmp_path):
    full = _train(tmp_path/'full'); assert full.wait(300) == 0, full.stderr.read()
    p = _train(tmp_path/'split')
    ck = tmp_path/'split'/'last.pt'
    deadline = time.time() + 300
    while not ck.exists() and time.time() < deadline: time.sleep(0.02)   # first checkpoint (step 10) written
    assert ck.exists()
    p.send_signal(signal.SIGKILL); p.wait()
    step_killed = read_checkpoint(ck)['step']
    assert 0 < step_killed < 100         # killed before the end
    r = _train(tmp_path/'split'); out, err = r.communicate(timeout=300)
    assert r.returncode == 0, err
    assert f'resumed from' in out
    a, b = read_checkpoint(tmp_path/'full'/'last.pt'), read_checkpoint(ck)
    assert a['step'] == b['step'] == 100
    for k in ('model', 'ema'):
        for name, v in a[k].items(): assert torch.equal(v, b[k][name]), (k, name)
    assert not [f for f in (tmp_path/'split').iterdir() if f.name.endswith('.tmp')]   # no half-written files

def test_generate_with_own_checkpoint(tmp_path):
    r = _train(tmp_path/'run', '--max-steps', '3'); assert r.wait(300) == 0, r.stderr.read()
    out = tmp_path/'g.npz'
    res = subprocess.run([CLI, 'generate', 'a thick seven', '--n', '3', '--steps', '2',
                          '--checkpoint', str(tmp_path/'run'/'last.pt'), '--out', str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    import numpy as np
    with np.load(out) as z: assert z['images'].shape == (3, 28, 28)

def test_corrupt_checkpoint_cli(tmp_path):
    bad = tmp_path/'bad.pt'; bad.write_bytes(b'not a checkpoint at all')
    res = subprocess.run([CLI, 'generate', '7', '--checkpoint', str(bad), '--out', str(tmp_path/'o.png')],
                         capture_output=True, text=True)
    assert res.returncode == 2 and 'bad.pt' in res.stderr and 'Traceback' not in res.stderr
    assert not (tmp_path/'o.png').exists()

def test_generate_says_ignored_words(tmp_path):
    # a word the model does not understand: exit 0, the file written, one line on stderr naming it (no Python warning text)
    out = tmp_path/'fluffy.png'
    res = subprocess.run([CLI, 'generate', 'a fluffy 7', '--steps', '2', '--out', str(out)], capture_output=True, text=True,
                         env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert res.returncode == 0, res.stderr
    assert out.exists() and 'wrote 1 images' in res.stdout, res.stdout
    assert res.stderr == "textdiff-mnist: ignored: 'fluffy' (in 'a fluffy 7')\n", res.stderr
