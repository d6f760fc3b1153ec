"""Tiny-model fixtures shared by the whole test session: made once, used by every test file that registers this module.

A test file registers it with `pytest_plugins = ['_fixtures']` (not `from _fixtures import *`: an imported fixture is
a separate fixture in every module that imports it, so a session-scoped one would still be made once per file).

- `tiny_model`: an untrained `DiffusionModel(TINY_CONFIG)`, seeded: for tests that need *a* model, not a good one.
  Tests must not train or modify it.
- `tiny_weights`: the same model as a weights file (`.pt`, as a training run exports it; chapter 9), for code that takes a path.
- `tiny_cli_run`: one tiny model trained from the command line (`textdiff-mnist train --tiny`, `TINY_TRAIN_ARGS`:
  50 steps, a checkpoint every 10), started in the background when first asked for, so that a test can do other work
  while it trains; `.result()` waits for it and returns its run directory (with `last.pt`).
"""
import subprocess, sys
from pathlib import Path
import pytest
import torch

CLI = str(Path(sys.executable).parent/'textdiff-mnist')   # the console script of this environment
TINY_TRAIN_ARGS = ['--tiny', '--subset', '1600', '--epochs', '1', '--batch-size', '32', '--ckpt-every', '10',
                   '--sample-every', '0', '--no-progress', '--threads', '1']                     # 1600 / 32 = 50 steps
TINY_TRAIN_STEPS = 50

def start_train(out, *extra) -> subprocess.Popen:
    "`textdiff-mnist train --out OUT` with `TINY_TRAIN_ARGS` (and `extra`), in the background."
    return subprocess.Popen([CLI, 'train', '--out', str(out), *TINY_TRAIN_ARGS, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

class TrainRun:
    "A background `textdiff-mnist train` run; `result()` waits for it (once) and returns its run directory."
    def __init__(self, out):
        self.out, self.proc, self.output = Path(out), start_train(out), None

    def result(self, timeout: float = 300) -> Path:
        if self.output is None: self.output = self.proc.communicate(timeout=timeout)
        assert self.proc.returncode == 0, self.output[1][-3000:]
        return self.out

    def stop(self):
        if self.proc.poll() is None: self.proc.kill()
        self.proc.communicate()

@pytest.fixture(scope='session')
def tiny_model():
    from textdiff_mnist.unet import DiffusionModel, TINY_CONFIG
    torch.manual_seed(0)
    return DiffusionModel(TINY_CONFIG)

@pytest.fixture(scope='session')
def tiny_weights(tiny_model, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp('tiny_weights')/'tiny.pt'
    torch.save(dict(format='textdiff-mnist-weights', model_config=tiny_model.config(), ema=tiny_model.state_dict()), path)
    return path

@pytest.fixture(scope='session')
def tiny_cli_run(tmp_path_factory):
    run = TrainRun(tmp_path_factory.mktemp('tiny_cli_run'))
    yield run
    run.stop()

def missing_tool(why: str, install: str):
    "A browser test's missing tool: a skip locally, a failure in CI (CI=true), where .ci/run installs everything; `install` says how."
    import os
    if os.environ.get('CI'): pytest.fail(f'{why}: CI must run the browser test (.ci/run installs it)')
    pytest.skip(f'{why}; install it with: {install}')
