"""The server for real: `python -m textdiff_mnist.serve` on 127.0.0.1, driven by headless system Chromium and by the load tester.

One server process serves the whole test session (the `live_server` fixture of conftest.py: bundled weights, CPU).
The in-process API checks (every endpoint, bad input, auth, limits, determinism) are in nbs/16_serve.ipynb.
Needs the `serve` extra (fastapi, uvicorn, httpx) and, for the browser tests, `playwright` plus a system `chromium`
(never a downloaded browser). Without them these tests skip, except under CI (env CI set), where they fail.
"""
import json, os, shutil, subprocess, sys, threading, time, urllib.error, urllib.request
import pytest

CI = bool(os.environ.get('CI'))

def _need(ok: bool, what: str):
    if not ok: (pytest.fail if CI else pytest.skip)(f'{what} (required when CI is set)')

try: import fastapi, uvicorn  # noqa: F401
except ImportError: fastapi = None

def _post(url, body):
    req = urllib.request.Request(url + '/v1/generate', json.dumps(body).encode(), {'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()

def test_core_does_not_import_fastapi():
    # (starlette is not in the list: fastprogress imports it through fasthtml, whatever this project does)
    # the `serve` flags come from ServeSettings (textdiff_mnist.serve_settings), which must not need the extra either
    code = ("import sys, textdiff_mnist, textdiff_mnist.generation, textdiff_mnist.cli, textdiff_mnist.serve_settings; "
            "a = textdiff_mnist.cli.build_parser().parse_args(['serve', '--max-images', '4', '--timeout-s', '2.5']); "
            "assert textdiff_mnist.serve_settings.ServeSettings.from_args(a).max_images == 4, a; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'pydantic', 'textdiff_mnist.serve') if m in sys.modules))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]', out

def test_health(live_server):
    with urllib.request.urlopen(live_server + '/v1/health') as r: h = json.loads(r.read())
    assert (h['status'], h['checkpoint'], h['limits']['max_images']) == ('ok', 'bundled', 16), h

def test_main_with_a_checkpoint_path(live_server):
    # `python -m textdiff_mnist.serve --checkpoint PATH ...` down to the app it would serve (uvicorn.run stubbed: no socket):
    # main's flags, run_server and the path-loading branch of create_app, in a fresh interpreter, so nothing a notebook or
    # another test imported (torch, say) can hide a missing import in serve.py. That app holds the weights the live server
    # runs (the bundled file, named by its path), and the live server's images are those `generate` makes with them here.
    _need(fastapi is not None, 'the serve extra is not installed: pip install -e ".[serve]"')
    code = f"""
import base64, json, urllib.request
import textdiff_mnist.serve as s
from textdiff_mnist.generation import bundled_weights, generate, to_pil
from textdiff_mnist.checkpoint import weights_fingerprint
def show(app, host, port, log_level):
    print(app.state.checkpoint, app.state.settings.max_images, sorted(app.state.samplers), host, port, log_level)
    health = json.loads(urllib.request.urlopen('{live_server}/v1/health').read())
    body = json.dumps(dict(prompt='a thick 7', n=2, steps=4, guidance=2.5, format='json')).encode()   # not the default: the teacher draws it
    got = json.loads(urllib.request.urlopen(urllib.request.Request('{live_server}/v1/generate', body, {{'Content-Type': 'application/json'}})).read())
    want = to_pil(generate('a thick 7', n=2, steps=4, guidance=2.5, checkpoint=app.state.model))
    print(health['weights'] == weights_fingerprint(app.state.model), [base64.b64decode(im['png']) for im in got['images']] == [s.png_bytes(x) for x in want])
s.uvicorn.run = show
s.main(['--checkpoint', str(bundled_weights()), '--device', 'cpu', '--max-images', '4', '--port', '8123', '--log-level', 'warning'])
"""
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ['textdiff_mnist', '4', "['ddim',", "'ddpm',", "'dpm']", '127.0.0.1', '8123', 'warning', 'True', 'True'], r.stdout

def test_browser(live_server, tmp_path):
    _need(shutil.which('chromium') is not None, 'no system chromium on PATH (apt-get install chromium)')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sync_playwright = None
    _need(sync_playwright is not None, 'the playwright package is not installed (pip install playwright; never `playwright install`)')
    bad_status, bad_body = _post(live_server, dict(prompt='a banana', format='json'))
    assert bad_status == 422
    api_message = json.loads(bad_body)['error']
    with sync_playwright() as pw:
        b = _chromium(pw)
        try:
            pg = b.new_page(viewport=dict(width=900, height=760))
            pg.goto(live_server + '/')
            pg.wait_for_function("document.querySelector('#results figcaption') && !document.body.hasAttribute('aria-busy')", timeout=30_000)   # the page opens with the default description drawn
            assert pg.inner_text('#results figure figcaption').startswith('a thick slanted 4') and pg.is_hidden('#error')
            pg.fill('#n', '4'); pg.fill('#steps', '8'); pg.fill('#prompt', 'a wide zero')
            pg.click('#generate')
            pg.wait_for_function("document.querySelectorAll('#results img').length === 4 && !document.body.hasAttribute('aria-busy')",
                                 timeout=30_000)
            widths = pg.eval_on_selector_all('#results img', 'imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)')
            assert widths == [28] * 4, widths
            assert pg.inner_text('#results figure figcaption').startswith('a wide zero')
            assert 'digit 0' in pg.inner_text('#results')
            assert pg.is_visible('#download') and pg.get_attribute('#download', 'href').startswith('data:image/png;base64,')
            assert pg.is_hidden('#error') and 'ignored' not in pg.inner_text('#status')
            pg.screenshot(path=str(tmp_path/'page.png'))
            pg.fill('#n', '1'); pg.fill('#prompt', 'a fluffy 7')                  # a word the model does not know: said under the images
            pg.click('#generate')
            pg.wait_for_function("document.getElementById('status').textContent.includes('ignored')", timeout=30_000)
            assert pg.inner_text('#status').endswith("ignored: 'fluffy'"), pg.inner_text('#status')
            pg.fill('#prompt', 'a banana')
            pg.click('#generate')
            pg.wait_for_selector('#error', state='visible', timeout=30_000)
            assert pg.inner_text('#error') == api_message, (pg.inner_text('#error'), api_message)
            assert pg.eval_on_selector_all('#results img', 'imgs => imgs.length') == 1      # the last good image stays
            assert pg.is_enabled('#generate')
            pg.screenshot(path=str(tmp_path/'error.png'))
        finally: b.close()
    assert (tmp_path/'page.png').stat().st_size > 0

def _chromium(pw):
    return pw.chromium.launch(executable_path=shutil.which('chromium'), args=['--no-sandbox'])

def test_browser_as_you_type(live_server):
    # the bundled weights' server also serves the distilled student: the page offers "as you type", which draws with it
    # after each pause in typing, one request at a time, and treats a half-typed description (422) as "keep typing"
    _need(shutil.which('chromium') is not None, 'no system chromium on PATH (apt-get install chromium)')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sync_playwright = None
    _need(sync_playwright is not None, 'the playwright package is not installed (pip install playwright; never `playwright install`)')
    with sync_playwright() as pw:
        b = _chromium(pw)
        try:
            pg = b.new_page(viewport=dict(width=900, height=760))
            sent = []
            pg.on('request', lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith('/v1/generate') else None)
            pg.goto(live_server + '/')
            pg.wait_for_function("document.querySelector('#results figcaption') && !document.body.hasAttribute('aria-busy')", timeout=30_000)   # the default description, drawn on opening
            sent.clear()                                          # what typing sends, from here on
            assert pg.is_visible('#live-box')
            pg.fill('#prompt', ''); pg.fill('#n', '4'); pg.check('#live')
            assert pg.input_value('#sampler') == 'fast'
            pg.wait_for_function("document.getElementById('status').textContent.startsWith('keep typing')", timeout=30_000)
            assert pg.is_hidden('#error')                       # an empty box is not an error while typing
            pg.type('#prompt', 'a thi', delay=40)
            pg.wait_for_function("document.getElementById('status').textContent.includes('No digit found')", timeout=30_000)
            assert pg.is_hidden('#error') and pg.inner_text('#status').startswith('keep typing'), pg.inner_text('#status')
            pg.type('#prompt', 'ck 4', delay=40)
            pg.wait_for_function("document.querySelector('#results figcaption') && "
                                 "document.querySelector('#results figcaption').textContent.startsWith('a thick 4digit') && "
                                 "!document.body.hasAttribute('aria-busy')", timeout=30_000)
            pg.wait_for_timeout(500)                              # nothing more is sent once typing stops
            assert pg.eval_on_selector_all('#results img', 'imgs => imgs.length') == 4
            assert 'fast: the distilled student' in pg.inner_text('#status'), pg.inner_text('#status')
            prompts = [r['prompt'] for r in sent]
            assert prompts[-1] == 'a thick 4' and all(r['sampler'] == 'fast' for r in sent), sent
            assert len(prompts) < len('a thick 4') + 1, prompts     # pauses, not keys: fewer requests than keys
            drawn = pg.eval_on_selector_all('#results img', 'imgs => imgs.map(i => i.src)')
            pg.uncheck('#live'); pg.type('#prompt', '2', delay=40); pg.wait_for_timeout(400)
            assert len(sent) == len(prompts) and pg.eval_on_selector_all('#results img', 'imgs => imgs.map(i => i.src)') == drawn
        finally: b.close()

def test_draw_in_this_browser(live_server, tmp_path):
    # "Draw: in this browser" (chapter 19c's runtime, served under /try/): absent where its files are not on the machine
    # (an installed wheel has no onnxruntime-web), shown where they are; chosen, the page draws the digits itself and asks
    # the server for files only, never /v1/generate
    from textdiff_mnist.browser import runtime_files
    from textdiff_mnist.serve import _page_html, _browser_runtime
    from textdiff_mnist.serve_settings import ServeSettings
    assert runtime_files(ort_dir=tmp_path) is None and _browser_runtime('my.pt') is None
    off = _page_html(ServeSettings(), browser=False)
    assert '"browser": null' in off and '<div class="where" id="where" role="radiogroup" aria-label="where to draw" hidden>' in off
    _need(runtime_files() is not None, "onnxruntime-web's files are not in this checkout (cd web && npm ci)")
    _need(shutil.which('chromium') is not None, 'no system chromium on PATH (apt-get install chromium)')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sync_playwright = None
    _need(sync_playwright is not None, 'the playwright package is not installed (pip install playwright; never `playwright install`)')
    from test_browser import _ui_draw                   # types into the panel, waits, reads the canvases back
    with urllib.request.urlopen(live_server + '/') as r: assert '"browser": "try/"' in r.read().decode()
    with sync_playwright() as pw:
        b = _chromium(pw)
        try:
            pg = b.new_page(viewport=dict(width=900, height=760))
            sent, problems = [], []
            pg.on('request', lambda r: sent.append(r.url))
            pg.on('response', lambda r: r.status >= 400 and not r.url.endswith('/favicon.ico') and problems.append(f'{r.status} {r.url}'))
            pg.on('pageerror', lambda e: problems.append(str(e)))
            pg.goto(live_server + '/')
            pg.wait_for_function("document.querySelector('#results figcaption') && !document.body.hasAttribute('aria-busy')", timeout=30_000)
            assert pg.is_visible('#where') and pg.is_hidden('#in-browser')
            sent.clear()
            pg.check('#where-browser')
            pg.wait_for_function('window.textdiffTry && (window.textdiffTry.drawn >= 1 || window.textdiffTry.loadError)', timeout=60_000)
            assert not pg.evaluate('window.textdiffTry.loadError || null'), pg.evaluate('window.textdiffTry.loadError')
            assert pg.is_hidden('#form') and pg.is_visible('#in-browser .tdm-try canvas')
            x = _ui_draw(pg, 'seven', 4, 3)
            assert x.shape == (4, 784) and (x.reshape(4, 28, 28) > 0.5).sum((1, 2)).min() > 20, x.shape       # four digits with ink
            strip = _ui_draw(pg, '2026', 1, 0)
            assert strip.shape[0] == 1 and strip.shape[1] > 28 * 28 * 2
            assert any(u.endswith('/try/ort/ort-wasm-simd-threaded.wasm') for u in sent), sent
            assert not [u for u in sent if not u.startswith(live_server + '/try/')], sent
            pg.check('#where-server')
            assert pg.is_visible('#form') and pg.is_hidden('#in-browser') and pg.is_visible('#results figcaption')
            assert not problems, problems
        finally: b.close()

def test_load_test_smoke(live_server):
    from serve_harness import load_test
    r = load_test(live_server, clients=2, seconds=1.0, request=dict(prompt='7', n=2, steps=4, format='json'))
    assert r['ok'] >= 2 and r['statuses'] == {'200': r['ok']} and r['errors'] == 0, r
    assert r['distinct_ok_bodies'] == 1 and r['p50_ms'] <= r['p95_ms'] <= r['p99_ms']

def test_load_test_counts_refusals():
    # the load tester's bookkeeping when a server turns clients away, against a stand-in server (no model) that answers
    # one request at a time and every other one at once with 503 and Retry-After: only 200s and 503s, no errors
    import http.server
    from serve_harness import load_test
    busy = threading.Lock()
    class OneAtATime(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'
        def log_message(self, *a): pass
        def do_POST(self):
            self.rfile.read(int(self.headers['Content-Length']))
            if busy.acquire(blocking=False):
                try: time.sleep(0.2); status, body, extra = 200, b'{"images": []}', {}
                finally: busy.release()
            else: status, body, extra = 503, b'{"error": "busy"}', {'Retry-After': '1'}
            self.send_response(status)
            for k, v in {'Content-Length': str(len(body)), **extra}.items(): self.send_header(k, v)
            self.end_headers(); self.wfile.write(body)
    with http.server.ThreadingHTTPServer(('127.0.0.1', 0), OneAtATime) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        try: r = load_test(f'http://127.0.0.1:{srv.server_address[1]}', clients=4, seconds=1.0)
        finally: srv.shutdown()
    assert r['errors'] == 0 and set(r['statuses']) == {'200', '503'} and r['distinct_ok_bodies'] == 1, r

def _post_full(url, body):
    req = urllib.request.Request(url + '/v1/generate', json.dumps(body).encode(), {'Content-Type': 'application/json'})
    with urllib.request.urlopen(req) as r: return r.status, r.headers, r.read()

def test_ignored_words_in_the_answer(live_server):
    # words the model does not understand: the images are made, and the answer names the words (header and JSON)
    status, headers, body = _post_full(live_server, dict(prompt='a fluffy 7', n=2, steps=2))
    assert (status, headers['Content-Type'], headers['X-Ignored-Words']) == (200, 'image/png', 'fluffy'), headers
    assert body[:8] == b'\x89PNG\r\n\x1a\n'
    status, headers, body = _post_full(live_server, dict(prompts=['a fluffy 7', 'please draw a 3 for me'], steps=2, format='json'))
    j = json.loads(body)
    assert (headers['X-Ignored-Words'], j['ignored'], [im['ignored'] for im in j['images']]) == ('fluffy', ['fluffy'], [['fluffy'], []])
    status, headers, body = _post_full(live_server, dict(prompt='a thick slanted 4', steps=2))
    assert status == 200 and headers['X-Ignored-Words'] is None
