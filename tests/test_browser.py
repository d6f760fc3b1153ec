"""The browser runtime (chapter 19c) in a real browser: the built docs site served as plain static files on 127.0.0.1
(no project server), its index page's "Try it" panel driven in the system's Chromium.

- the JavaScript prompt path equals Python's on `parity_prompts` (readings, refusals, ignored words, seeds, canonical
  prompts, token ids);
- for a fixed starting noise handed to the page, its digits equal Python ONNX Runtime's (same graphs) within 2/255;
- 200 digits typed into the panel (20 per class) are read as asked by the evaluator; thick/thin and slanted/leaning left
  move the measured attribute the right way;
- no console error, no request leaving 127.0.0.1; timings and bytes go to results/browser.json when
  TEXTDIFF_MNIST_RECORD=1 (else to a temporary file, so a test run changes no file of the repository).
Without Chromium or Playwright the tests skip locally and fail in CI (CI=true).
"""
import gzip, json, os, statistics, sys, time
from pathlib import Path
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import build_docs  # noqa: E402
from _fixtures import missing_tool  # noqa: E402


def _missing(why): missing_tool(why, 'apt-get install -y chromium nodejs npm (and pip install -e ".[docs,onnx]")')


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    "The built docs site: `_docs/` when it is current and has the runtime, else a fresh build in a temporary directory."
    try: import sphinx, myst_nb, playwright, onnxruntime  # noqa: F401
    except ImportError as e: _missing(f'a dependency is missing ({e.name})')
    if not build_docs.chromium_path(): _missing('Chromium is not installed')
    if os.environ.get('TEXTDIFF_MNIST_DOCS_SITE'): return Path(os.environ['TEXTDIFF_MNIST_DOCS_SITE'])   # a site built already
    docs = ROOT / '_docs'
    stamp = docs / build_docs.STAMP
    if stamp.exists() and stamp.read_text() == build_docs.source_hash() and (docs / 'try' / 'browser.json').exists(): return docs
    out = tmp_path_factory.mktemp('site')
    build_docs.build(out, work=tmp_path_factory.mktemp('work'))
    return out


@pytest.fixture(scope='module')
def panel(site):
    "The index page open in Chromium with its panel's first digits drawn; records problems, requests and the time to first digits."
    with build_docs.serve(site) as url, build_docs.chromium() as b:
        page = b.new_page(viewport={'width': 1280, 'height': 900})
        problems, urls = [], []
        page.on('console', lambda m: m.type == 'error' and problems.append(f'console error: {m.text}'))
        page.on('pageerror', lambda e: problems.append(f'page error: {e}'))
        page.on('requestfailed', lambda r: problems.append(f'request failed: {r.url} {r.failure}'))
        page.on('response', lambda r: r.status >= 400 and problems.append(f'HTTP {r.status} for {r.url}'))
        page.on('request', lambda r: urls.append(r.url))

        def local_only(route):
            if route.request.url.startswith(url) or route.request.url.startswith('data:'): return route.continue_()
            problems.append(f'request to outside the site: {route.request.url}')
            route.abort()
        page.route('**/*', local_only)
        t0 = time.perf_counter()
        page.goto(url + 'index.html', wait_until='load')
        assert not [u for u in urls if u.endswith('.onnx')], 'the model loaded before the reader touched the panel'
        page.click('.tdm-try input[name=prompt]')          # the first click in the panel loads the model, then draws
        page.wait_for_function('window.textdiffTry && (window.textdiffTry.drawn >= 1 || window.textdiffTry.loadError)', timeout=90_000)
        first = time.perf_counter() - t0
        assert not page.evaluate('window.textdiffTry.loadError || null'), page.evaluate('window.textdiffTry.loadError')
        yield dict(page=page, url=url, site=site, problems=problems, urls=urls, first_digits_s=first, browser=b)


def _js_plans(page, prompts, n=1, seed=0):
    "The page's plan for each prompt, and the token ids of each plan's texts, as JSON values (seeds as strings)."
    return page.evaluate('''([prompts, n, seed]) => {
        const P = window.textdiffTry.runtime.parser, mode = window.textdiffTry.runtime.T.model.prompt_mode;
        return prompts.map(p => {
            const r = P.plan(p, {n, seed: BigInt(seed), mode});
            if (r.refusal) return r;
            r.images = r.images.map(im => ({seed: String(im.seed), prompts: im.prompts, noiseSeeds: im.noiseSeeds.map(String)}));
            const ids = P.ids(r.images.flatMap(im => im.prompts));
            r.ids = {dims: ids.dims, data: Array.from(ids.data, Number)};
            return r;
        });
    }''', [prompts, n, str(seed)])


def _py_plans(prompts, n=1, seed=0):
    from types import SimpleNamespace
    from textdiff_mnist.browser import prompt_plan
    from textdiff_mnist.text_encoder import TextEncoder, MAX_WORDS
    tok = SimpleNamespace(n_buckets=4096, max_words=MAX_WORDS)
    out = []
    for p in prompts:
        r = prompt_plan(p, n, seed)
        if 'refusal' not in r:
            ids = np.asarray(TextEncoder.ids(tok, [q for im in r['images'] for q in im['prompts']]))
            r['ids'] = dict(dims=list(ids.shape), data=ids.ravel().tolist())
        out.append(r)
    return out


def test_prompt_path_parity(panel):
    "The page's prompt path equals Python's on every parity prompt (and on a few with several images and a large seed)."
    from textdiff_mnist.browser import parity_prompts
    prompts = parity_prompts()
    assert len(prompts) >= 5000
    t0 = time.perf_counter()
    js = _js_plans(panel['page'], prompts)
    js_s = time.perf_counter() - t0
    py = _py_plans(prompts)
    bad = [(p, a, b) for p, a, b in zip(prompts, py, js) if a != b]
    assert not bad, f'{len(bad)} of {len(prompts)} prompts differ; first: {bad[0]!r}'
    few = ['a thick slanted 42', 'seven', '2026', 'a fluffy 7', 'four two, drawn thin']
    assert _py_plans(few, 3, 2**63 - 1) == _js_plans(panel['page'], few, 3, 2**63 - 1)
    panel['parity'] = dict(prompts=len(prompts), refusals=sum('refusal' in r for r in py),
                           numbers=sum(r.get('kind') == 'number' for r in py), js_seconds=round(js_s, 2))
    assert not panel['problems'], panel['problems']


def test_fixed_noise_matches_python(panel):
    "A fixed starting noise handed to the page gives Python ONNX Runtime's digits (the same graphs) within 2/255; two seeds differ."
    from textdiff_mnist.browser import shipped_onnx_dir
    from textdiff_mnist.onnx_backend import OrtModel
    from textdiff_mnist.generation import run_sampler, image_seed
    from textdiff_mnist.noise import randn, np_clip_noise
    prompts = ['a thick 3', 'seven', 'a narrow slanted 0', 'the number 2, drawn thin']
    noise = np_clip_noise(randn((len(prompts), 1, 28, 28), seed=12345))
    model = OrtModel(shipped_onnx_dir(), threads=1)
    want = np.asarray(run_sampler(model, prompts, [image_seed(0, p, 0) for p in prompts], 'fast', x=noise.copy()))[:, 0]
    got = panel['page'].evaluate('''async ([prompts, noise]) => {
        const rt = window.textdiffTry.runtime, out = [];
        for (let i = 0; i < prompts.length; i++) {
            const r = await rt.draw(prompts[i], {n: 1, seed: 0n, noise: noise.slice(i * 784, (i + 1) * 784)});
            out.push(Array.from(r.images[0].pixels));
        }
        const a = await rt.draw('seven', {n: 1, seed: 1n}), b = await rt.draw('seven', {n: 1, seed: 2n});
        out.push(Array.from(a.images[0].pixels), Array.from(b.images[0].pixels));
        return out;
    }''', [prompts, noise.ravel().tolist()])
    got = np.array(got, np.float32).reshape(-1, 28, 28)
    diff = np.abs(np.round(got[:len(prompts)] * 255) - np.round(want * 255)).max()
    panel['fixed_noise_max_diff_255'] = float(diff)
    assert diff <= 2, f'the page differs from Python by {diff}/255'
    assert np.abs(got[-1] - got[-2]).mean() > 0.05, 'two seeds gave the same digit'
    # no noise handed over: the page draws each seed's noise itself (torch's CPU generator, rng.mjs) and completes the
    # unsaid styles with numpy's default_rng (PCG64): the same seed gives Python's digits
    from textdiff_mnist.generation import image_seeds, expand_prompts
    want = np.asarray(run_sampler(model, expand_prompts(prompts, 3), image_seeds(prompts, 3, 5), 'fast'))[:, 0]
    got = np.array(panel['page'].evaluate('''async prompts => { const out = [];
        for (const p of prompts) for (const im of (await window.textdiffTry.runtime.draw(p, {n: 3, seed: 5n})).images) out.push(Array.from(im.pixels));
        return out; }''', prompts), np.float32).reshape(-1, 28, 28)
    diff = np.abs(np.round(got * 255) - np.round(want * 255)).max()
    panel['same_seed_max_diff_255'] = float(diff)
    assert diff <= 2, f'the same seed gives digits {diff}/255 away from Python'
    assert not panel['problems'], panel['problems']


def _ui_draw(page, prompt, n, seed):
    "Type into the panel, wait for its digits, read the canvases back: (n, 28, 28) in [0, 1] (a strip's 28 x W for a number)."
    page.fill('.tdm-try input[name=n]', str(n))
    page.fill('.tdm-try input[name=seed]', str(seed))
    page.fill('.tdm-try input[name=prompt]', prompt)
    page.press('.tdm-try input[name=prompt]', 'Enter')
    want = json.dumps(dict(prompt=prompt, n=n, seed=str(seed)))
    page.wait_for_function(f'(w => {{ const a = window.textdiffTry; return !a.busy && a.last && a.last.prompt === w.prompt && a.last.n === w.n && a.last.seed === w.seed; }})({want})', timeout=30_000)
    return np.array(page.evaluate('''() => [...document.querySelectorAll('.tdm-try canvas')].map(c => {
        const s = c.height / 28, w = c.width / s, d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, out = [];
        for (let y = 0; y < 28; y++) for (let x = 0; x < w; x++) out.push(d[4 * ((y * s + (s >> 1)) * c.width + x * s + (s >> 1))] / 255);
        return out; })'''), np.float32)


def test_panel_digits_read_as_asked(panel):
    "200 digits typed into the panel (20 per class, words and numerals) are read as asked (>= 98%); style words move the measured attributes."
    from textdiff_mnist.core import DIGIT_WORDS
    from textdiff_mnist.evaluator import classify
    from textdiff_mnist.attributes import measure_attributes
    import torch
    page = panel['page']
    imgs, labels = [], []
    for d in range(10):
        for k, prompt in enumerate((DIGIT_WORDS[d], str(d))):
            x = _ui_draw(page, prompt, 10, 100 + k)
            assert x.shape == (10, 784), x.shape
            imgs.append(x.reshape(10, 28, 28)); labels += [d] * 10
    imgs = np.concatenate(imgs)
    pred = classify(torch.from_numpy(imgs)[:, None])[0].numpy()
    acc = float((pred == np.array(labels)).mean())
    panel['accuracy_200'] = acc
    assert acc >= 0.98, f'{acc:.3f} of 200 digits read as asked'
    moved = {}
    u8 = lambda a: np.round(a * 255).astype(np.uint8)
    for name, (lo, hi, col) in {'thickness': ('thin', 'thick', 0), 'slant': ('leaning left', 'slanted', 1)}.items():
        right = 0
        for d in range(10):
            a = measure_attributes(u8(_ui_draw(page, f'a {lo} {d}', 4, 7).reshape(-1, 28, 28)))[:, col].mean()
            b = measure_attributes(u8(_ui_draw(page, f'a {hi} {d}', 4, 7).reshape(-1, 28, 28)))[:, col].mean()
            right += b > a
        moved[name] = int(right)
    panel['attributes_moved_of_10'] = moved
    assert all(v >= 9 for v in moved.values()), moved
    assert not panel['problems'], panel['problems']


def test_number_strip_and_refusal(panel):
    "A number prompt draws one strip; a prompt naming two digits shows the CLI's refusal; Enter does not reload the page."
    page = panel['page']
    page.evaluate('window.__stay = 1')
    strip = _ui_draw(page, 'a thick 2026', 1, 0)
    assert strip.shape[0] == 1 and strip.shape[1] > 28 * 28 * 2
    _ui_draw(page, '3 and 5', 1, 0)
    err = page.inner_text('.tdm-try .tdm-error')
    assert "names several digits (3, 5)" in err, err
    assert page.evaluate('window.__stay') == 1, 'the page reloaded'
    assert not panel['problems'], panel['problems']


def test_number_strips_match_python(panel):
    "A number's strip in the page (its digits drawn with one pen, then set on a baseline) equals Python's `write` (ONNX Runtime, fast sampler, same seed) within 2/255, with the same width and digit boxes."
    from textdiff_mnist.numbers import write
    prompts, n, seed = ['2026', 'a thick 007', '555-0199', 'four two, slanted'], 2, 3
    got = panel['page'].evaluate('''async ([prompts, n, seed]) => { const out = [];
        for (const p of prompts) out.push((await window.textdiffTry.runtime.draw(p, {n, seed: BigInt(seed)})).images.map(
            im => ({width: im.width, boxes: im.boxes, pixels: Array.from(im.pixels)})));
        return out; }''', [prompts, n, seed])
    worst = 0
    for p, js in zip(prompts, got):
        imgs, boxes = write(p, n, seed, sampler='fast', backend='onnxruntime', return_boxes=True)
        for im, b, g in zip(imgs.numpy()[:, 0], boxes, js):
            w = b[-1][1] + 3                                       # the strip's own width (MARGIN right of the last box)
            assert (g['width'], [list(x) for x in b]) == (w, g['boxes']), (p, g['width'], w, b, g['boxes'])
            worst = max(worst, np.abs(np.round(np.array(g['pixels'], np.float32).reshape(28, w) * 255) - np.round(im[:, :w] * 255)).max())
    panel['number_strip_max_diff_255'] = float(worst)
    assert worst <= 2, f'number strips differ from Python by {worst}/255'
    assert not panel['problems'], panel['problems']


def test_failed_load_says_so(panel):
    "A model that cannot be loaded (here: the UNet's graph answered with 404) is reported in the page."
    page = panel['browser'].new_page()
    page.route('**/unet.onnx', lambda route: route.fulfill(status=404, body='missing'))
    page.goto(panel['url'] + 'try/index.html')          # the standalone page loads at once (data-autoload)
    page.wait_for_function('window.textdiffTry && window.textdiffTry.loadError', timeout=30_000)
    assert 'could not be loaded' in page.inner_text('.tdm-try .tdm-error')
    page.close()


def test_timings_and_bytes(panel, tmp_path):
    "Ten digits in the page (median of 10 after a warm-up), beside Python ONNX Runtime and torch; the bytes of the first load; no request left 127.0.0.1."
    page = panel['page']
    ms = page.evaluate('''async () => { const rt = window.textdiffTry.runtime, t = [];
        for (let i = 0; i < 11; i++) { const r = await rt.draw('seven', {n: 10, seed: BigInt(i)}); t.push(r.ms); }
        return t.slice(1); }''')
    site, url = panel['site'], panel['url']
    files = sorted({u[len(url):].split('?')[0] for u in panel['urls'] if u.startswith(url)})
    paths = [site / f for f in files if (site / f).is_file()]
    raw = sum(p.stat().st_size for p in paths)
    gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in paths)
    runtime = [p for p in paths if p.parent.name in ('try', 'ort')]

    def python_ms(backend):
        from textdiff_mnist.generation import generate
        generate('seven', n=10, sampler='fast', backend=backend)
        t = []
        for i in range(10):
            t0 = time.perf_counter(); generate('seven', n=10, seed=i, sampler='fast', backend=backend); t.append(1000 * (time.perf_counter() - t0))
        return round(statistics.median(t), 1)
    import torch
    record = os.environ.get('TEXTDIFF_MNIST_RECORD') == '1'
    out = dict(
        machine=dict(cpus=os.cpu_count(), torch_threads=torch.get_num_threads(), chromium=page.context.browser.version),
        browser_ten_digits_ms=dict(median=round(statistics.median(ms), 1), min=round(min(ms), 1), max=round(max(ms), 1), runs=len(ms)),
        python_onnxruntime_ten_digits_ms=python_ms('onnxruntime'),
        python_torch_ten_digits_ms=python_ms('torch') if record else None,      # torch only when recording: 20+ s on 2 cores
        first_load=dict(bytes=raw, gzip_bytes=gz, runtime_bytes=sum(p.stat().st_size for p in runtime),
                        runtime_gzip_bytes=sum(len(gzip.compress(p.read_bytes(), 6)) for p in runtime), files=len(paths)),
        time_to_first_digits_s=round(panel['first_digits_s'], 2),
        **{k: panel[k] for k in ('parity', 'fixed_noise_max_diff_255', 'same_seed_max_diff_255', 'number_strip_max_diff_255', 'accuracy_200', 'attributes_moved_of_10') if k in panel})
    dest = ROOT / 'results' / 'browser.json' if record else tmp_path / 'browser.json'
    dest.write_text(json.dumps(out, indent=1) + '\n')
    print(json.dumps(out, indent=1))
    assert gz <= 9.5e6 + 1e6, f'first load {gz / 1e6:.1f} MB gzipped'
    assert not [u for u in panel['urls'] if not (u.startswith(url) or u.startswith('data:'))]
    assert not panel['problems'], panel['problems']
