"""The server for real: `python -m textdiff_mnist.serve` on 127.0.0.1, driven by headless system Chromium and by the load tester.

The in-process API checks (every endpoint, bad input, auth, limits, determinism) are in nbs/17_serve.ipynb.
Needs the `serve` extra (fastapi, uvicorn, httpx) and, for the browser test, `playwright` plus a system `chromium`
(never a downloaded browser). Without them these tests skip, except under CI (env CI set), where they fail.
"""
import json, os, shutil, subprocess, sys, urllib.error, urllib.request
import pytest

CI = bool(os.environ.get('CI'))

def _need(ok: bool, what: str):
    if not ok: (pytest.fail if CI else pytest.skip)(f'{what} (required when CI is set)')

try: import fastapi, uvicorn  # noqa: F401
except ImportError: fastapi = None

@pytest.fixture(scope='module')
def server():
    _need(fastapi is not None, 'the serve extra is not installed: pip install -e ".[serve]"')
    from textdiff_mnist.serve import start_server, stop_server
    from textdiff_mnist.generation import bundled_weights
    # an explicit --checkpoint path (not the default), so the path-loading branch of create_app runs in a real process
    p, url = start_server(['--max-images', 16, '--checkpoint', bundled_weights(), '--device', 'cpu'],
                          env={**os.environ, 'OMP_NUM_THREADS': '1'})
    yield url
    stop_server(p)

def _post(url, body):
    req = urllib.request.Request(url + '/v1/generate', json.dumps(body).encode(), {'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req) as r: return r.status, r.read()
    except urllib.error.HTTPError as e: return e.code, e.read()

def test_core_does_not_import_fastapi():
    # (starlette is not in the list: fastprogress imports it through fasthtml, whatever this project does)
    code = ("import sys, textdiff_mnist, textdiff_mnist.generation, textdiff_mnist.cli; "
            "print(sorted(m for m in ('fastapi', 'uvicorn', 'pydantic', 'textdiff_mnist.serve') if m in sys.modules))")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == '[]', out

def test_create_app_with_a_checkpoint_path():
    # a fresh interpreter, so nothing a notebook or another test imported (torch, say) can hide a missing import in serve.py
    _need(fastapi is not None, 'the serve extra is not installed: pip install -e ".[serve]"')
    code = ("from textdiff_mnist.generation import bundled_weights; from textdiff_mnist.serve import create_app; "
            "app = create_app(str(bundled_weights()), device='cpu'); print(app.state.checkpoint, app.state.settings.max_images)")
    r = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.split() == ['textdiff_mnist.pt', '64'], r.stdout

def test_health_names_the_checkpoint(server):
    with urllib.request.urlopen(server + '/v1/health') as r: h = json.loads(r.read())
    assert (h['status'], h['checkpoint'], h['limits']['max_images']) == ('ok', 'textdiff_mnist.pt', 16), h

def test_browser(server, tmp_path):
    _need(shutil.which('chromium') is not None, 'no system chromium on PATH (apt-get install chromium)')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sync_playwright = None
    _need(sync_playwright is not None, 'the playwright package is not installed (pip install playwright; never `playwright install`)')
    bad_status, bad_body = _post(server, dict(prompt='a banana', format='json'))
    assert bad_status == 422
    api_message = json.loads(bad_body)['error']
    with sync_playwright() as pw:
        b = _chromium(pw)
        try:
            pg = b.new_page(viewport=dict(width=900, height=760))
            pg.goto(server + '/')
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

def test_browser_as_you_type(tmp_path):
    # the bundled weights' server also serves the distilled student: the page offers "as you type", which draws with it
    # after each pause in typing, one request at a time, and treats a half-typed description (422) as "keep typing"
    _need(fastapi is not None, 'the serve extra is not installed: pip install -e ".[serve]"')
    _need(shutil.which('chromium') is not None, 'no system chromium on PATH (apt-get install chromium)')
    try: from playwright.sync_api import sync_playwright
    except ImportError: sync_playwright = None
    _need(sync_playwright is not None, 'the playwright package is not installed (pip install playwright; never `playwright install`)')
    from textdiff_mnist.serve import start_server, stop_server
    p, url = start_server(['--max-images', 8, '--device', 'cpu'], env={**os.environ, 'OMP_NUM_THREADS': '1'})
    try:
        with sync_playwright() as pw:
            b = _chromium(pw)
            try:
                pg = b.new_page(viewport=dict(width=900, height=760))
                sent = []
                pg.on('request', lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith('/v1/generate') else None)
                pg.goto(url + '/')
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
    finally: stop_server(p)

def test_load_test_smoke(server):
    from textdiff_mnist.serve import load_test
    r = load_test(server, clients=2, seconds=1.0, request=dict(prompt='7', n=2, steps=4, format='json'))
    assert r['ok'] >= 2 and r['statuses'] == {'200': r['ok']} and r['errors'] == 0, r
    assert r['distinct_ok_bodies'] == 1 and r['p50_ms'] <= r['p95_ms'] <= r['p99_ms']

def _post_full(url, body):
    req = urllib.request.Request(url + '/v1/generate', json.dumps(body).encode(), {'Content-Type': 'application/json'})
    with urllib.request.urlopen(req) as r: return r.status, r.headers, r.read()

def test_ignored_words_in_the_answer(server):
    # words the model does not understand: the images are made, and the answer names the words (header and JSON)
    status, headers, body = _post_full(server, dict(prompt='a fluffy 7', n=2, steps=2))
    assert (status, headers['Content-Type'], headers['X-Ignored-Words']) == (200, 'image/png', 'fluffy'), headers
    assert body[:8] == b'\x89PNG\r\n\x1a\n'
    status, headers, body = _post_full(server, dict(prompts=['a fluffy 7', 'please draw a 3 for me'], steps=2, format='json'))
    j = json.loads(body)
    assert (headers['X-Ignored-Words'], j['ignored'], [im['ignored'] for im in j['images']]) == ('fluffy', ['fluffy'], [['fluffy'], []])
    status, headers, body = _post_full(server, dict(prompt='a thick slanted 4', steps=2))
    assert status == 200 and headers['X-Ignored-Words'] is None
