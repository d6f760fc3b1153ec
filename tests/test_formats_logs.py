"""Training logs in the field's format: `textdiff-mnist train --log-dir` writes TensorBoard event files that TensorBoard's
own reader reads back, across a resume; without the `train` extra, `--log-dir` is one error line naming it."""
import os, sys
import numpy as np
import pytest
import torch
from textdiff_mnist.cli import main
from textdiff_mnist.train import TrainConfig, TrainingData, train, _lr_at

def _event_reader():
    "TensorBoard's `EventAccumulator`; without the train extra: skipped, except under CI (env CI set), where it fails."
    try: from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError:
        (pytest.fail if os.environ.get('CI') else pytest.skip)('the train extra is not installed: pip install -e ".[train]" (required when CI is set)')
    return EventAccumulator

def _train(*args):
    "`textdiff-mnist train` in this process (no second torch import): returns the exit status."
    threads = torch.get_num_threads()
    try: main(['train', *map(str, args)]); return 0
    except SystemExit as e: return e.code
    finally: torch.set_num_threads(threads)

def test_tensorboard_events_across_resume(tmp_path):
    EventAccumulator = _event_reader()
    run, logs = tmp_path/'run', tmp_path/'logs'
    # tiny model, 96 real MNIST digits, batch 32: 3 steps an epoch, 2 epochs
    args = ['--out', run, '--tiny', '--subset', 96, '--batch-size', 32, '--epochs', 2, '--sample-every', 0,
            '--no-progress', '--threads', 1, '--log-dir', logs]
    assert _train(*args, '--max-steps', 4) == 0
    ck4 = (run/'last.pt').read_bytes()
    assert _train(*args, '--max-steps', 5) == 0
    (run/'last.pt').write_bytes(ck4)                 # as if killed after logging step 5, before its checkpoint
    assert _train(*args) == 0                         # resumes at step 4, to the end (6)
    assert len(list(logs.glob('events.out.tfevents.*'))) == 3
    ev = EventAccumulator(str(logs), size_guidance={'scalars': 0, 'images': 0}).Reload()
    assert {'train/loss', 'train/psnr', 'train/cos', 'train/lr', 'epoch/loss', 'epoch/psnr', 'epoch/cos'} <= set(ev.Tags()['scalars'])
    for tag in ('train/loss', 'train/psnr', 'train/cos', 'train/lr'):
        assert [e.step for e in ev.Scalars(tag)] == [1, 2, 3, 4, 5, 6], tag     # every step once: the orphaned step 5 purged
    assert all(0 < e.value < 10 for e in ev.Scalars('train/loss'))
    assert all(0 < e.value <= 100 for e in ev.Scalars('train/psnr'))
    assert all(-1 <= e.value <= 1 for e in ev.Scalars('train/cos'))
    cfg = TrainConfig()                               # the CLI's defaults: lr 2e-3, 300 warm-up steps
    assert [e.value for e in ev.Scalars('train/lr')] == pytest.approx([_lr_at(cfg, s, 6) for s in range(6)], rel=1e-6)
    assert [e.step for e in ev.Scalars('epoch/loss')] == [3, 6]
    from textdiff_mnist.checkpoint import read_checkpoint
    history = read_checkpoint(run/'last.pt')['history']   # the checkpoint's history (curves.png, the CSV) is unchanged
    assert [e.value for e in ev.Scalars('epoch/loss')] == pytest.approx([h['loss'] for h in history], rel=1e-6)
    imgs = ev.Images('samples')
    assert [(i.step, i.width, i.height) for i in imgs] == [(3, 582, 72), (6, 582, 72)]
    assert imgs[0].encoded_image_string[:8] == b'\x89PNG\r\n\x1a\n'

def test_log_dir_without_the_train_extra(tmp_path, monkeypatch, capsys):
    # `import tensorboard` fails here, as without the extra (None in sys.modules halts an import): training without
    # --log-dir never imports it (it would fail), and --log-dir is one error line naming the extra, exit 2, before any
    # data is loaded or anything is written
    for m in ('tensorboard', 'torch.utils.tensorboard'): monkeypatch.setitem(sys.modules, m, None)
    data = TrainingData(np.zeros((8, 28, 28), np.uint8), np.arange(8) % 10, np.zeros((8, 3), np.int64))
    train(tmp_path/'plain', data, 'tiny', TrainConfig(epochs=1, batch_size=8, sample_every=0), progress=False, log=lambda *a: None)
    assert (tmp_path/'plain'/'last.pt').exists()
    monkeypatch.setattr(TrainingData, 'mnist', None)          # never reached
    assert _train('--out', tmp_path/'run', '--tiny', '--log-dir', tmp_path/'logs') == 2
    assert capsys.readouterr().err == 'textdiff-mnist: error: TensorBoard logs (--log-dir, log_dir=) need the tensorboard package: pip install "textdiff-mnist[train]"\n'
    assert not (tmp_path/'run').exists() and not (tmp_path/'logs').exists()
