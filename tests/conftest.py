import os, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The ONNX Runtime backend exports the bundled networks on first use into its cache: a fresh one per test session, so the
# suite exports them once and never trusts graphs left by an earlier run (chapter 9b; subprocesses inherit it).
if 'TEXTDIFF_MNIST_ONNX_CACHE' not in os.environ:
    import tempfile
    os.environ['TEXTDIFF_MNIST_ONNX_CACHE'] = tempfile.mkdtemp(prefix='textdiff-onnx-')
sys.path.insert(0, str(ROOT / 'tools'))         # tools/serve_harness.py: start_server, stop_server, load_test

def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False, help="also run tests marked slow")

def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running; run with --runslow")

def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"): return
    skip = pytest.mark.skip(reason="slow: run with --runslow (make test-slow)")
    for item in items:
        if "slow" in item.keywords: item.add_marker(skip)

@pytest.fixture(scope='session')
def live_server():
    """The URL of one real server for the whole test session, started on first use: `python -m textdiff_mnist.serve` on
    127.0.0.1 with the bundled weights (so it also serves the distilled student, sampler 'fast'), on the CPU, one torch
    thread, at most 16 images a request. Without the serve extra: skipped, except under CI (env CI set), where it fails."""
    try: import fastapi, uvicorn  # noqa: F401
    except ImportError:
        (pytest.fail if os.environ.get('CI') else pytest.skip)('the serve extra is not installed: pip install -e ".[serve]" (required when CI is set)')
    from serve_harness import start_server, stop_server
    p, url = start_server(['--max-images', 16, '--device', 'cpu'], env={**os.environ, 'OMP_NUM_THREADS': '1'})
    yield url
    stop_server(p)
