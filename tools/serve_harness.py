"""The server's load test and screenshot (chapter 16): real `python -m textdiff_mnist.serve` processes on free loopback ports.

    python tools/serve_harness.py --screenshot results/serve.png
    python tools/serve_harness.py --load-test --clients 4,13 --seconds 20 --samplers dpm,fast --out results/serve_load.json

Both start their own servers (with the server flags given here: --checkpoint, --device and the limits of `ServeSettings`)
and stop them. The load test starts a fresh server for each sampler and number of clients, warms it up with one request,
runs the clients, and reads the server's peak memory. `make results` runs both; tests/test_serve.py uses `start_server`,
`stop_server` and `load_test` against its one server. Traffic goes to 127.0.0.1 only; every loop stops by itself.
"""
import argparse, hashlib, http.client, json, os, platform, shutil, socket, subprocess, sys, threading, time
import urllib.parse, urllib.request
from collections import Counter
from dataclasses import fields
from pathlib import Path
import numpy as np

LOAD_REQUEST = dict(prompt='a thick slanted 4', n=4, format='json')

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def peak_rss_mib(pid: int) -> float | None:
    "Peak resident memory of a process (Linux), MiB; None when it cannot be read."
    try: kb = next(l for l in Path(f'/proc/{pid}/status').read_text().splitlines() if l.startswith('VmHWM')).split()[1]
    except (OSError, StopIteration): return None
    return round(int(kb) / 1024, 1)

def start_server(args=(), port: int | None = None, timeout: float = 120.0, env=None):
    "A `python -m textdiff_mnist.serve` process on 127.0.0.1 (extra flags `args`); returns (process, url) once health answers."
    port = port or free_port(); url = f'http://127.0.0.1:{port}'
    p = subprocess.Popen([sys.executable, '-m', 'textdiff_mnist.serve', '--port', str(port), '--log-level', 'warning', *map(str, args)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return wait_healthy(p, url, timeout, 'the server')

def wait_healthy(p, url: str, timeout: float, what: str):
    "(p, url) once `url`'s /v1/health answers 200; `RuntimeError` naming `what` if the process `p` exits (with its stderr, when piped) or `timeout` passes."
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if p.poll() is not None:
            err = p.stderr.read().decode()[-2000:] if p.stderr else ''
            raise RuntimeError(f'{what} exited with status {p.returncode}' + (f': {err}' if err else ''))
        try:
            with urllib.request.urlopen(url + '/v1/health', timeout=2) as r:
                if r.status == 200: return p, url
        except OSError: time.sleep(0.2)
    p.kill(); p.wait(); raise RuntimeError(f'{what} did not answer on {url} within {timeout:g} s')

def stop_server(p):
    p.terminate()
    try: p.wait(10)
    except subprocess.TimeoutExpired: p.kill(); p.wait()

def _client_loop(url, body, headers, until, out, timeout):
    "One client: the same request again and again until `until`; (status, seconds, body hash of a 200) appended to `out`."
    u = urllib.parse.urlsplit(url); conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    while time.monotonic() < until:
        t = time.perf_counter()
        try:
            conn.request('POST', '/v1/generate', body, headers); r = conn.getresponse(); data = r.read()
            status, retry = r.status, r.getheader('Retry-After')
        except OSError as e: status, data, retry = type(e).__name__, b'', None; conn.close()
        out.append((status, time.perf_counter() - t, hashlib.sha1(data).hexdigest() if status == 200 else None))
        if status == 503 and retry: time.sleep(max(0.0, min(float(retry), until - time.monotonic())))
    conn.close()

def load_test(url: str, clients: int = 4, seconds: float = 20.0, request: dict | None = None, token: str | None = None) -> dict:
    "`clients` clients each sending `request` to `url`/v1/generate in a loop for `seconds`; throughput, latency, statuses."
    body = json.dumps(request or LOAD_REQUEST).encode()
    headers = {'Content-Type': 'application/json', **({'Authorization': f'Bearer {token}'} if token else {})}
    outs, t0 = [[] for _ in range(clients)], time.monotonic()
    threads = [threading.Thread(target=_client_loop, args=(url, body, headers, t0 + seconds, o, seconds + 300)) for o in outs]
    for t in threads: t.start()
    for t in threads: t.join()
    took, rows = time.monotonic() - t0, [r for o in outs for r in o]
    ok = [lat for st, lat, _ in rows if st == 200]
    pct = lambda q: round(1000 * float(np.percentile(ok, q)), 1) if ok else None
    statuses = Counter(str(st) for st, _, _ in rows)
    return dict(clients=clients, seconds=round(took, 2), requests=len(rows), ok=len(ok), requests_per_s=round(len(ok) / took, 2),
                p50_ms=pct(50), p95_ms=pct(95), p99_ms=pct(99), statuses=dict(sorted(statuses.items())),
                errors=sum(v for k, v in statuses.items() if k not in ('200', '503')),
                distinct_ok_bodies=len({h for st, _, h in rows if st == 200}))

def load_benchmark(clients=(4, 13), seconds: float = 20.0, server_args=(), request: dict | None = None, out=None, samplers=(None,)) -> dict:
    "For each sampler (None: the request's) and number of clients, a fresh server and a `load_test`; the server's peak memory; optionally saved as JSON."
    import torch
    from textdiff_mnist.generation import DEFAULT_SAMPLER
    runs, base = [], request or LOAD_REQUEST
    for sampler, n in [(s, n) for s in samplers for n in clients]:
        req = base if sampler is None else dict(base, sampler=sampler)
        load = round(os.getloadavg()[0], 2) if hasattr(os, 'getloadavg') else None     # what else was running on the machine
        p, url = start_server(server_args)
        try:
            load_test(url, 1, 0.01, req)                                       # warm-up: one request
            r = load_test(url, n, seconds, req)
            health = json.loads(urllib.request.urlopen(url + '/v1/health').read())
            runs.append(dict(r, sampler=req.get('sampler', DEFAULT_SAMPLER), peak_server_rss_mib=peak_rss_mib(p.pid), load_avg_before=load, limits=health['limits']))
        finally: stop_server(p)
    res = dict(request=base, server_args=list(map(str, server_args)), runs=runs,
               machine=dict(cpu=platform.processor() or platform.machine(), cores=os.cpu_count(), torch=torch.__version__,
                            torch_threads=torch.get_num_threads(), python=platform.python_version()))
    if out: Path(out).parent.mkdir(parents=True, exist_ok=True); Path(out).write_text(json.dumps(res, indent=1) + '\n')
    return res

def screenshot(url: str, path, prompt: str = 'a thick slanted 4', width: int = 900, height: int = 760):
    "Open the page at `url` in headless system Chromium, generate for `prompt`, save a PNG to `path`."
    from playwright.sync_api import sync_playwright
    exe = shutil.which('chromium') or shutil.which('chromium-browser')
    if exe is None: raise RuntimeError('no chromium on PATH: install the system package (e.g. apt-get install chromium)')
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=['--no-sandbox'])
        try:
            pg = b.new_page(viewport=dict(width=width, height=height)); pg.goto(url)
            pg.fill('#prompt', prompt); pg.click('#generate')
            pg.wait_for_function("document.querySelectorAll('#results img').length > 0 && !document.body.hasAttribute('aria-busy')")
            pg.screenshot(path=str(path))
        finally: b.close()

def harness_parser() -> argparse.ArgumentParser:
    from textdiff_mnist.serve_settings import ServeSettings
    p = argparse.ArgumentParser(prog='python tools/serve_harness.py', description="The server's load test and screenshot (chapter 16).")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument('--load-test', action='store_true', help='run the load test (servers on free loopback ports)')
    what.add_argument('--screenshot', default=None, metavar='PATH', help='save a picture of the page after a generation')
    p.add_argument('--clients', default='4,13', help='load test: comma-separated numbers of concurrent clients, one run each')
    p.add_argument('--seconds', type=float, default=20.0, help='load test: seconds per run')
    p.add_argument('--out', default=None, help='load test: write the results here as JSON')
    p.add_argument('--samplers', default=None, help="load test: comma-separated samplers, one set of runs each (e.g. dpm,fast; default: the server's default)")
    p.add_argument('--checkpoint', default=None, help="the servers' checkpoint or weights file (default: the bundled weights)")
    p.add_argument('--device', default='auto', help="where the servers' model runs: auto, cpu, cuda, cuda:N or mps")
    ServeSettings.add_arguments(p)                                   # the servers' limits, passed on as they are
    return p

def _error(msg): print(f'serve_harness: error: {msg}', file=sys.stderr); sys.exit(2)

def main(argv=None):
    from textdiff_mnist.serve_settings import ServeSettings
    from textdiff_mnist.samplers import SAMPLERS
    a = harness_parser().parse_args(argv)
    try: ServeSettings.from_args(a)                                  # a bad limit: one line, before any server starts
    except ValueError as e: _error(e)
    try: clients = [int(x) for x in a.clients.split(',')]
    except ValueError: _error(f'--clients: expected comma-separated whole numbers such as 4,13, got {a.clients!r}')
    if not clients or min(clients) < 1: _error(f'--clients: each number of clients must be at least 1, got {a.clients!r}')
    if not a.seconds > 0: _error(f'--seconds must be a positive number, got {a.seconds}')
    samplers = [x.strip() for x in a.samplers.split(',')] if a.samplers else [None]
    if bad := [x for x in samplers if x is not None and x not in SAMPLERS]:
        _error(f"--samplers: unknown sampler {bad[0]!r}; choose from {', '.join(SAMPLERS)}")
    flags = [x for f in fields(ServeSettings) if getattr(a, f.name) is not None for x in ('--' + f.name.replace('_', '-'), getattr(a, f.name))]
    flags += (['--checkpoint', a.checkpoint] if a.checkpoint else []) + ['--device', a.device]
    if a.load_test:
        res = load_benchmark(clients, a.seconds, flags, out=a.out, samplers=samplers)
        return print(json.dumps(res['runs'], indent=1))
    p, url = start_server(flags)
    try: screenshot(url, a.screenshot)
    finally: stop_server(p)
    print(f'wrote {a.screenshot}')

if __name__ == '__main__': main()
