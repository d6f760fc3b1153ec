"""Run every chapter the way a reader's Jupyter does "Run All": a real kernel, every cell, no nbdev flag honoured.

    python tools/run_all.py [--workers 2] [--timeout 900] [NOTEBOOK ...]

Notebooks run in `nbs/` (as in Jupyter), two at a time by default, each in its own kernel with one torch thread;
nothing is written back. Exit status 1 if any notebook fails, with the failing cell's error.
Set TEXTDIFF_MNIST_FULL_RUN=1 to opt in to the chapters' full runs (training, benchmark sweep; hours on 2 CPU cores):
they write to run directories (`runs/`), never over shipped files.
"""
import argparse, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NBS = Path(__file__).resolve().parent.parent/'nbs'

def run_one(path: str, timeout: int) -> tuple[str, float, str | None]:
    "Execute one notebook in a fresh kernel; returns (name, seconds, error or None)."
    t0 = time.perf_counter()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name='python3', resources={'metadata': {'path': str(NBS)}})
    try: client.execute()
    except CellExecutionError as e: return Path(path).name, time.perf_counter() - t0, str(e)[-3000:]
    except Exception as e: return Path(path).name, time.perf_counter() - t0, f"{type(e).__name__}: {e}"
    return Path(path).name, time.perf_counter() - t0, None

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='*'); p.add_argument('--workers', type=int, default=2)
    p.add_argument('--timeout', type=int, default=900, help='seconds per cell')
    a = p.parse_args(argv)
    nbs = [str(Path(n).resolve()) for n in a.notebooks] or sorted(str(n) for n in NBS.glob('*.ipynb'))
    os.environ.setdefault('OMP_NUM_THREADS', '1')     # two one-thread kernels on two cores do not thrash
    t0, failed = time.perf_counter(), []
    with ProcessPoolExecutor(a.workers) as ex:
        # longest first, so the pool is not left waiting on one long chapter at the end
        order = sorted(nbs, key=lambda n: -Path(n).stat().st_size)
        for name, secs, err in ex.map(run_one, order, [a.timeout] * len(order)):
            print(f"{'FAIL' if err else 'ok  '} {name} ({secs:.0f} s)", flush=True)
            if err: failed.append((name, err))
    for name, err in failed: print(f"\n=== {name} ===\n{err}", file=sys.stderr)
    print(f"{len(nbs) - len(failed)} passed, {len(failed)} failed in {time.perf_counter() - t0:.0f} s")
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
