"""The API contract: schemathesis against a real `textdiff-mnist serve` on 127.0.0.1, under the committed schemathesis.toml.

    python tools/contract.py                        # the full run (make contract): all checks, 100 examples, seed 1, one worker
    python tools/contract.py --max-examples 20      # a bounded one (tests/test_contract.py runs one against its own server)
    python tools/contract.py --url http://127.0.0.1:8000     # against a server already running

It starts the server with its default limits (on the CPU, one torch thread: the numbers are those of a small machine),
waits for its health check, runs `st run URL/openapi.json --checks all ...` from the contract's own virtual environment
(.venv-contract: schemathesis' pins are not the project's; `make contract` creates it), prints how long schemathesis took,
stops the server and exits with schemathesis' status. Nothing is written into the repository (schemathesis.toml turns off
its example database and cache; Hypothesis' own storage goes to a temporary directory).
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_VENV = Path(os.environ.get('CONTRACT_VENV', ROOT/'.venv-contract'))
ST = CONTRACT_VENV/'bin'/'st'

def st_command(url: str, max_examples: int = 100, seed: int = 1, workers: int = 1) -> list[str]:
    "The schemathesis command line: every check, under the committed configuration."
    return [str(ST), '--config-file', str(ROOT/'schemathesis.toml'), 'run', f'{url}/openapi.json', '--checks', 'all',
            '--max-examples', str(max_examples), '--seed', str(seed), '--workers', str(workers)]

def run_contract(url: str, max_examples: int = 100, seed: int = 1, workers: int = 1, **kw) -> tuple[subprocess.CompletedProcess, float]:
    "Run schemathesis against `url` from the repository root (where schemathesis.toml names its hooks); (process, seconds)."
    if not ST.exists(): raise FileNotFoundError(f'{ST} is missing: run `make contract` (it creates {CONTRACT_VENV.name})')
    with tempfile.TemporaryDirectory() as scratch:       # Hypothesis' own caches (unicode tables, constants): not into the repository
        t = time.perf_counter()
        p = subprocess.run(st_command(url, max_examples, seed, workers), cwd=ROOT, **kw,
                           env={**os.environ, 'NO_COLOR': '1', 'HYPOTHESIS_STORAGE_DIRECTORY': scratch})
        return p, time.perf_counter() - t

def start_cli_server(args=(), timeout: float = 300.0, log=None):
    "`textdiff-mnist serve` (the console script beside this Python) on a free loopback port; (process, url) once health answers."
    from serve_harness import free_port, wait_healthy
    port = free_port(); url = f'http://127.0.0.1:{port}'
    exe = shutil.which('textdiff-mnist', path=str(Path(sys.executable).parent)) or 'textdiff-mnist'
    p = subprocess.Popen([exe, 'serve', '--port', str(port), *map(str, args)], stdout=log or subprocess.DEVNULL,
                         stderr=log or subprocess.DEVNULL, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    return wait_healthy(p, url, timeout, 'textdiff-mnist serve')

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--max-examples', type=int, default=100, help='examples per operation (default: 100)')
    ap.add_argument('--seed', type=int, default=1, help='the random seed (default: 1)')
    ap.add_argument('--url', default=None, help='a server already running (default: start `textdiff-mnist serve` with its default limits)')
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT/'tools'))
    server, log = None, tempfile.TemporaryFile()
    try:
        if a.url: url = a.url
        else:
            t = time.perf_counter(); server, url = start_cli_server(['--device', 'cpu'], log=log)
            print(f'textdiff-mnist serve: ready on {url} in {time.perf_counter() - t:.1f} s', flush=True)
        p, took = run_contract(url, a.max_examples, a.seed)
        print(f'schemathesis: {"passed" if p.returncode == 0 else "FAILED"} in {took:.1f} s '
              f'(--checks all --max-examples {a.max_examples} --seed {a.seed} --workers 1)', flush=True)
    finally:
        if server is not None:
            server.terminate()
            try: server.wait(10)
            except subprocess.TimeoutExpired: server.kill(); server.wait()
    if p.returncode and server is not None:             # the server's side of a failure
        log.seek(0); print('the server said (last lines):\n' + log.read().decode(errors='replace')[-3000:], file=sys.stderr)
    sys.exit(p.returncode)

if __name__ == '__main__': main()
