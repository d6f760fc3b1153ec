"""The docs site in a real browser: every page of `_docs/` served on 127.0.0.1 and opened in the system's Chromium.

The site under test is `_docs/` when it was built from the current sources (`make docs` writes the hash of its
inputs there), else a fresh build in a temporary directory, so the test never depends on leftovers. Without
Chromium (Debian package `chromium`) or Playwright the tests skip locally and fail in CI (CI=true): there they must
run. Playwright drives the system binary; no browser is ever downloaded.
"""
import os, re, sys
from pathlib import Path
from urllib.parse import urldefrag, urlparse
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / 'tools'))
import build_docs  # noqa: E402
from _fixtures import missing_tool  # noqa: E402


def _missing(why): missing_tool(why, 'apt-get install -y chromium (and pip install -e ".[docs]")')


@pytest.fixture(scope='module')
def site(tmp_path_factory):
    try: import sphinx, myst_nb, playwright  # noqa: F401
    except ImportError as e: _missing(f'a docs dependency is missing ({e.name})')
    if not build_docs.chromium_path(): _missing('Chromium is not installed')
    docs = ROOT / '_docs'
    stamp = docs / build_docs.STAMP
    if stamp.exists() and stamp.read_text() == build_docs.source_hash(): return docs
    out = tmp_path_factory.mktemp('site')
    build_docs.build(out, work=tmp_path_factory.mktemp('work'))
    return out


@pytest.fixture(scope='module')
def browser(site):
    with build_docs.serve(site) as url, build_docs.chromium() as b:
        yield url, b


def open_page(browser, path, problems):
    "Open `path` in a fresh page, recording console errors, page errors and failed or outside requests."
    url, b = browser
    page = b.new_page(viewport={'width': 1280, 'height': 900})
    page.on('console', lambda m: m.type == 'error' and problems.append(f'{path}: console error: {m.text}'))
    page.on('pageerror', lambda e: problems.append(f'{path}: page error: {e}'))
    page.on('requestfailed', lambda r: problems.append(f'{path}: request failed: {r.url} {r.failure}'))
    page.on('response', lambda r: r.status >= 400 and problems.append(f'{path}: HTTP {r.status} for {r.url}'))

    def local_only(route):  # the site must fetch nothing from outside (no CDN fonts, scripts, styles)
        if route.request.url.startswith(url) or route.request.url.startswith('data:'): return route.continue_()
        problems.append(f'{path}: request to outside the site: {route.request.url}')
        route.abort()
    page.route('**/*', local_only)
    page.goto(url + path, wait_until='load')
    page.wait_for_load_state('networkidle')   # the favicon is fetched after 'load': leaving earlier aborts it (a flaky 'request failed')
    return page


def test_every_page(site, browser, tmp_path):
    "Every page loads without errors, all its images load, and every link inside the site leads to a page and anchor."
    url = browser[0]
    pages = sorted(p.relative_to(site).as_posix() for p in site.glob('*.html'))
    chapters = [p for p in pages if p not in ('genindex.html', 'search.html', 'api.html', 'index.html')]
    assert len(chapters) >= 17 and 'api.html' in pages and 'index.html' in pages, pages
    problems, ids = [], {}
    for path in pages:
        page = open_page(browser, path, problems)
        broken = page.evaluate('Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)')
        problems += [f'{path}: image not loaded: {s}' for s in broken]
        ids[path] = set(page.evaluate('Array.from(document.querySelectorAll("[id]")).map(e => e.id)'))
        hrefs = page.evaluate('Array.from(document.querySelectorAll("a[href]")).map(a => a.href)')
        page.links = [h for h in hrefs if h.startswith(url)]
        assert page.locator('.sidebar-tree a[href="api.html"], .sidebar-tree a[href="#"]').count() >= 1, f'{path}: no API link'
        if path == 'samplers.html': page.screenshot(path=str(tmp_path / 'docs_chapter.png'))
        if path == 'index.html': page.screenshot(path=str(tmp_path / 'docs_index.png'))
        ids[path, 'links'] = page.links
        page.close()
    for path in pages:
        for link in ids[path, 'links']:
            target, frag = urldefrag(link)
            rel = urlparse(target).path.lstrip('/') or 'index.html'
            if rel.endswith('/'): rel += 'index.html'
            if not (site / rel).is_file(): problems.append(f'{path}: link to a missing page: {link}'); continue
            if frag and rel in ids and frag not in ids[rel]: problems.append(f'{path}: link to a missing anchor: {link}')
    assert not problems, '\n'.join(problems)


def test_chapters_in_order_with_prev_next(site, browser):
    "The sidebar lists the chapters in notebook order, and each chapter links to the next."
    problems = []
    page = open_page(browser, 'index.html', problems)
    titles = page.locator('.sidebar-tree li a').all_inner_texts()
    assert titles[0] == 'Core helpers' and titles[-1] == 'API reference', titles
    page.goto(browser[0] + 'schedule.html')
    assert page.locator('a.next-page').get_attribute('href') == 'noise.html'      # 06_schedule, then 06a_noise
    assert not problems, problems


def test_api_reference_generate_has_parameter_table(site, browser):
    "The API reference links `generate`, `sample`, `TextEncoder` and `train` to their entries; `generate`'s has its parameter table."
    problems = []
    page = open_page(browser, 'api.html', problems)
    for name in ('generate', 'sample', 'TextEncoder', 'train'):
        assert page.locator('a', has_text=re.compile(rf'^{name}$')).count() >= 1, f'{name} not in the API reference'
    page.locator('a', has_text=re.compile(r'^generate$')).first.click()
    page.wait_for_load_state('load')
    assert page.url.endswith('generate.html#textdiff-mnist-generation-generate'), page.url
    entry = page.locator('section#textdiff-mnist-generation-generate')
    assert entry.locator('h3').first.inner_text().startswith('generate')
    assert 'def generate(' in entry.locator('pre').first.inner_text()
    assert entry.locator('a', has_text='source').first.get_attribute('href').endswith(
        tuple(f'#L{i}' for i in range(1, 10000)))
    table = entry.locator('table').first
    assert table.locator('th').all_inner_texts()[:4] == ['Parameter', 'Type', 'Default', 'Details']
    params = table.locator('tbody tr td:first-child').all_inner_texts()
    assert {'prompts', 'n', 'steps', 'guidance', 'sampler', 'seed', 'guidance_schedule'} <= set(params), params
    assert not problems, problems


def test_search_finds_samplers(site, browser):
    "Offline search: 'guidance' finds the samplers chapter."
    problems = []
    page = open_page(browser, 'search.html?q=guidance', problems)
    results = page.locator('ul.search li a')
    results.first.wait_for(timeout=15000)
    hrefs = [results.nth(i).get_attribute('href') for i in range(results.count())]
    assert any(h.startswith('samplers.html') for h in hrefs), hrefs
    assert not problems, problems
