"End-to-end: training from the command line survives kill -9 and resumes to exactly the uninterrupted result."
import os, signal, subprocess, time
import torch
import pytest
from textdiff_mnist.checkpoint import read_checkpoint
pytest.register_assert_rewrite('_fixtures')     # imported here before pytest_plugins loads it: keep its asserts informative
from _fixtures import CLI, TINY_TRAIN_STEPS, start_train

pytest_plugins = ['_fixtures']     # tiny_cli_run: the uninterrupted tiny run, trained once per session

# Generating from a checkpoint of one's own CLI run is chapter 13's check (`train --tiny`, then `generate --checkpoint`
# RUN/last.pt, whose recipe names those weights); the console script reads a --checkpoint in test_corrupt_checkpoint_cli.

def test_resume_after_kill_9(tmp_path, tiny_cli_run):
    # the uninterrupted run (tiny_cli_run) trains in the background while this one is started, killed and resumed
    p = start_train(tmp_path/'split')
    ck = tmp_path/'split'/'last.pt'
    deadline = time.time() + 300
    while not ck.exists() and time.time() < deadline: time.sleep(0.02)   # first checkpoint (step 10) written
    assert ck.exists()
    p.send_signal(signal.SIGKILL); p.wait()
    step_killed = read_checkpoint(ck)['step']
    assert 0 < step_killed < TINY_TRAIN_STEPS         # killed before the end
    r = start_train(tmp_path/'split'); out, err = r.communicate(timeout=300)
    assert r.returncode == 0, err
    assert f'resumed from' in out
    a, b = read_checkpoint(tiny_cli_run.result()/'last.pt'), read_checkpoint(ck)
    assert a['step'] == b['step'] == TINY_TRAIN_STEPS
    for k in ('model', 'ema'):
        for name, v in a[k].items(): assert torch.equal(v, b[k][name]), (k, name)
    assert not [f for f in (tmp_path/'split').iterdir() if f.name.endswith('.tmp')]   # no half-written files

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
