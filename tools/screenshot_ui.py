"""Regenerate results/ui.png: the generator UI (chapter 20) after one click on Generate with the bundled weights,
rendered by the real ipywidgets JavaScript in headless Chromium.

    python tools/screenshot_ui.py [results/ui.png]

The panel's full widget state is embedded in a page (ipywidgets' `embed_data`, with `drop_defaults=False`: the
embedder otherwise drops default-valued traits and sliders show wrong readouts), next to the widget manager's
standalone bundle `embed.js` from the npm package @jupyter-widgets/html-manager (fetched with `npm pack` from the
npm registry into a temporary folder: this is a maintainer's command, never run by tests, docs builds or users).
The page is served on 127.0.0.1 and photographed with the system Chromium driven by Playwright (no browser download).
"""
import http.server, json, shutil, socketserver, subprocess, sys, tarfile, tempfile, threading
from pathlib import Path

HTML_MANAGER = '@jupyter-widgets/html-manager@1.0.15'
ROOT = Path(__file__).resolve().parent.parent

def widget_page(widget) -> str:
    "A self-contained HTML page that renders `widget` from its embedded state with a local embed.js."
    from ipywidgets.embed import embed_data
    data = embed_data(views=[widget], drop_defaults=False)
    view = json.dumps(data['view_specs'][0])
    return f"""<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script src="embed.js"></script>
<style>body{{font-family:sans-serif;margin:12px;background:white}} #panel{{display:inline-block;padding:8px}}</style></head>
<body><div id="panel"><script type="application/vnd.jupyter.widget-view+json">{view}</script></div>
<script type="application/vnd.jupyter.widget-state+json">{json.dumps(data['manager_state'])}</script></body></html>"""

def fetch_embed_js(dest: Path) -> None:
    "Unpack the html-manager's dist/ folder (embed.js and its fonts) into `dest`."
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(['npm', 'pack', HTML_MANAGER, '--silent'], cwd=d, check=True, capture_output=True)
        tgz, = Path(d).glob('*.tgz')
        with tarfile.open(tgz) as t:
            for m in t.getmembers():
                if m.isfile() and m.name.startswith('package/dist/') and not m.name.endswith('.map'):
                    m.name = m.name[len('package/dist/'):]; t.extract(m, dest, filter='data')

def screenshot(site: Path, out: Path) -> None:
    "Serve `site` on 127.0.0.1 and photograph its #panel element with headless Chromium."
    from playwright.sync_api import sync_playwright
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *a): pass
    handler = lambda *a: Quiet(*a, directory=str(site))
    with socketserver.TCPServer(('127.0.0.1', 0), handler) as srv:
        threading.Thread(target=srv.serve_forever, daemon=True).start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which('chromium'), args=['--no-sandbox'])
            page = browser.new_page(viewport={'width': 900, 'height': 900}, device_scale_factor=1)
            errors = []; page.on('console', lambda m: m.type == 'error' and errors.append(m.text))
            page.goto(f'http://127.0.0.1:{srv.server_address[1]}/index.html')
            page.wait_for_selector('#panel img', timeout=30_000); page.wait_for_timeout(500)
            if errors: sys.exit(f"the page logged errors: {errors}")
            tmp = out.with_suffix('.tmp.png'); page.locator('#panel').screenshot(path=str(tmp)); tmp.replace(out)
            browser.close()
        srv.shutdown()

def main(out=ROOT/'results'/'ui.png'):
    from textdiff_mnist.ui import GeneratorUI
    ui = GeneratorUI(); ui.button.click()                     # the default prompt and settings, bundled weights
    with tempfile.TemporaryDirectory() as d:
        site = Path(d); fetch_embed_js(site)
        (site/'index.html').write_text(widget_page(ui.widget))
        screenshot(site, Path(out))
    print(f"wrote {out}")

if __name__ == '__main__': main(*sys.argv[1:])
