"Multi-process training on the CPU (gloo): ranks stay identical, match one process, and a killed torchrun run resumes bit-exactly."
import hashlib, json, os, signal, socket, subprocess, sys, time
from pathlib import Path
import numpy as np
import pytest
import torch
import torch.multiprocessing as mp
from textdiff_mnist.checkpoint import read_checkpoint
from textdiff_mnist.train import TrainConfig, TrainingData, train

BIN = Path(sys.executable).parent
CFG = TrainConfig(epochs=1, batch_size=16, warmup_steps=2, sample_every=0, ckpt_every=3)   # 96 images: 6 steps

def _data(n=96):
    rng = np.random.default_rng(0)
    return TrainingData(rng.integers(0, 256, (n, 28, 28)).astype(np.uint8), rng.integers(0, 10, n), rng.integers(0, 3, (n, 3)))

def _digest(state) -> str:
    "A fingerprint of the exact weights and EMA weights after a step."
    h = hashlib.sha256()
    for p in [*state.model.parameters(), *state.ema.parameters()]: h.update(p.detach().cpu().numpy().tobytes())
    return h.hexdigest()

def _rank(rank, world, port, out):
    "One rank, set up as torchrun would (environment variables), recording its weights after every step."
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port), WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank))
    torch.set_num_threads(1)
    digests = []
    train(out, _data(), 'tiny', CFG, progress=False, log=lambda *a: None, device='cpu', on_step=lambda s: digests.append(_digest(s)))
    Path(out, f'digests{rank}.json').write_text(json.dumps(digests))

def _free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def test_two_ranks_identical_and_match_one_process(tmp_path):
    mp.start_processes(_rank, args=(2, _free_port(), str(tmp_path/'ddp')), nprocs=2, start_method='spawn')
    d0, d1 = (json.loads((tmp_path/'ddp'/f'digests{r}.json').read_text()) for r in (0, 1))
    assert len(d0) == 6 and d0 == d1                        # after every step both ranks hold the same weights, bit for bit
    assert not list((tmp_path/'ddp').glob('*.tmp'))
    one = train(tmp_path/'one', _data(), 'tiny', CFG, progress=False, log=lambda *a: None, device='cpu')
    two = read_checkpoint(tmp_path/'ddp'/'last.pt')
    assert one['step'] == two['step'] == 6
    for k in ('model', 'ema'):                               # same global batches, seed and schedule: equal up to float rounding
        diff = max((one[k][n] - two[k][n]).abs().max().item() for n in one[k])
        assert diff < 5e-5, (k, diff)                        # measured: 5.5e-6 after 6 steps (weights up to ~4)
    assert abs(one['history'][0]['loss'] - two['history'][0]['loss']) < 1e-6

TORCHRUN_ARGS = ['--tiny', '--subset', '1600', '--epochs', '1', '--batch-size', '32', '--ckpt-every', '5', '--sample-every', '0',
                 '--no-progress', '--threads', '1', '--device', 'cpu']

def _torchrun(out):
    return subprocess.Popen([str(BIN/'torchrun'), '--standalone', '--nproc-per-node', '2', str(BIN/'textdiff-mnist'), 'train',
                             '--out', str(out), *TORCHRUN_ARGS], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)        # its own process group: kill -9 reaches torchrun and both ranks

def test_torchrun_resume_after_kill_9(tmp_path):
    full = _torchrun(tmp_path/'full')
    p = _torchrun(tmp_path/'split'); ck = tmp_path/'split'/'last.pt'
    deadline = time.time() + 120
    while not ck.exists() and time.time() < deadline: time.sleep(0.02)   # first checkpoint (step 5) written
    assert ck.exists()
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    killed_at = read_checkpoint(ck)['step']
    assert 0 < killed_at < 50
    r = _torchrun(tmp_path/'split'); out, err = r.communicate(timeout=180)
    assert r.returncode == 0, err
    assert out.count('resumed from') == 1 and out.count('trained to step 50') == 1    # rank 0 alone speaks
    _, err = full.communicate(timeout=180); assert full.returncode == 0, err
    a, b = read_checkpoint(tmp_path/'full'/'last.pt'), read_checkpoint(ck)
    assert a['step'] == b['step'] == 50
    for k in ('model', 'ema'):
        for name, v in a[k].items(): assert torch.equal(v, b[k][name]), (k, name)
    for sa, sb in zip(a['optimizer']['state'].values(), b['optimizer']['state'].values()):
        assert torch.equal(sa['exp_avg'], sb['exp_avg']) and torch.equal(sa['exp_avg_sq'], sb['exp_avg_sq'])
    assert not [f for f in (tmp_path/'split').iterdir() if f.name.endswith('.tmp')]

def test_device_selection(capsys, tmp_path):
    from textdiff_mnist.unet import resolve_device, DeviceError
    from textdiff_mnist.generation import generate, GenerationError
    assert resolve_device('auto') == torch.device('cpu')                 # no GPU on the test machines
    if torch.cuda.is_available(): pytest.skip('a GPU is present: nothing to refuse')
    with pytest.raises(DeviceError, match="'cuda' is not available on this machine; available: cpu"): resolve_device('cuda')
    with pytest.raises(GenerationError, match='not available'): generate('7', device='cuda')
    from textdiff_mnist.cli import main                                   # every command that runs the model refuses it alike
    # (in this process: the console script is `main` too, run as a separate process by tests/test_train_cli.py)
    for argv in (['train', '--tiny', '--out', str(tmp_path/'t')], ['generate', '7', '--out', str(tmp_path/'g.png')], ['demo', '--out', str(tmp_path/'d.png')],
                 ['bench', '--quick', '--no-memory', '--out', str(tmp_path/'b')], ['serve', '--port', '1']):
        with pytest.raises(SystemExit) as e: main(argv + ['--device', 'cuda'])
        err = capsys.readouterr().err
        assert e.value.code == 2 and err.count('\n') == 1 and "'cuda' is not available on this machine" in err, (argv, err)
    assert not list(tmp_path.iterdir())
