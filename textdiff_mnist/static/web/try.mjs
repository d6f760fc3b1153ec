// The "Try it" panel: a prompt box that redraws as you type, the number of images, the seed, the words the parser
// ignored, the refusal when there is one, the time taken, and each digit (or number) on its own canvas.
// Mounted into every element with class "tdm-try" on the page that loads this module.
import { loadRuntime } from './runtime.mjs';

const SCALE = 4;                                   // canvas pixels per image pixel: a digit is a 112 x 112 canvas
const h = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) k === 'text' ? (e.textContent = v) : e.setAttribute(k, v);
  e.append(...kids);
  return e;
};

/** One canvas for an image (28 x width, values in [0, 1]): grey ink on an opaque black background, SCALE px per pixel. */
export function paint(image) {
  const { width, pixels } = image, W = width * SCALE, H = 28 * SCALE;
  const canvas = h('canvas', { width: W, height: H, class: 'tdm-digit' });
  const ctx = canvas.getContext('2d'), img = ctx.createImageData(W, H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const v = Math.round(pixels[Math.floor(y / SCALE) * width + Math.floor(x / SCALE)] * 255), o = 4 * (y * W + x);
    img.data[o] = img.data[o + 1] = img.data[o + 2] = v; img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return canvas;
}

export function mount(root, base) {
  const prompt = h('input', { type: 'text', name: 'prompt', value: 'a thick slanted 4', 'aria-label': 'prompt', autocomplete: 'off', spellcheck: 'false' });
  const n = h('input', { type: 'number', name: 'n', value: '4', min: '1', max: '10', 'aria-label': 'number of images' });
  const seed = h('input', { type: 'number', name: 'seed', value: '0', min: '0', 'aria-label': 'seed' });
  const go = h('button', { type: 'submit', text: 'Draw' });
  const status = h('p', { class: 'tdm-status', role: 'status', text: 'Click or type in the box: the model (about 9 MB, once) loads and draws here.' });
  const ignored = h('p', { class: 'tdm-ignored' }), error = h('p', { class: 'tdm-error', role: 'alert' });
  const out = h('div', { class: 'tdm-out' });
  const form = h('form', { class: 'tdm-form' }, h('label', {}, 'Prompt ', prompt), h('label', {}, 'Images ', n), h('label', {}, 'Seed ', seed), go);
  root.replaceChildren(form, status, error, ignored, out);

  let runtime = null, busy = false, again = false, timer = null, count = 0;
  const api = { drawn: 0, busy: false, last: null, lastResult: null, ready: null };   // read by tests/test_browser.py
  async function draw() {
    if (!runtime) return;
    if (busy) { again = true; return; }
    busy = api.busy = true;
    try {
      const k = Math.min(10, Math.max(1, parseInt(n.value, 10) || 1));
      let s = 0n; try { s = BigInt(seed.value || '0'); } catch { s = 0n; }
      const asked = { prompt: prompt.value, n: k, seed: String(s < 0n ? 0n : s) };
      const r = await runtime.draw(asked.prompt, { n: k, seed: BigInt(asked.seed) });
      api.lastResult = r; api.last = asked;
      if (r.refusal) { error.textContent = r.refusal; status.textContent = ''; ignored.textContent = ''; out.replaceChildren(); }
      else {
        error.textContent = '';
        ignored.textContent = r.plan.ignored.length ? `ignored: ${r.plan.ignored.map(w => `'${w}'`).join(', ')}` : '';
        out.replaceChildren(...r.images.map(paint));
        const what = r.plan.kind === 'number' ? `the number ${r.plan.digits}` : `the digit ${r.plan.digit}`;
        status.textContent = `${r.images.length} × ${what} in ${(r.ms / 1000).toFixed(2)} s, drawn in this browser`;
      }
    } catch (e) {
      error.textContent = `Drawing failed: ${e.message}`;
    } finally {
      busy = api.busy = false; api.drawn = ++count;
      if (again) { again = false; draw(); }
    }
  }
  const soon = () => { clearTimeout(timer); timer = setTimeout(draw, 120); };
  for (const el of [prompt, n, seed]) el.addEventListener('input', soon);
  form.addEventListener('submit', e => { e.preventDefault(); clearTimeout(timer); start(); draw(); });   // Enter draws; no reload

  // The model (about 9 MB gzipped, cached by the browser afterwards) loads on the first click, key or focus in the
  // panel, or at once with data-autoload: a reader who only scrolls past pays nothing.
  function start() {
    if (api.ready) return api.ready;
    status.textContent = 'Loading the model (about 9 MB, once)…';
    api.ready = loadRuntime(base).then(rt => {
      runtime = api.runtime = rt;
      status.textContent = `Model loaded in ${(rt.info.loadMs / 1000).toFixed(1)} s.`;
      return draw().then(() => rt);
    }, e => {
      status.textContent = '';
      error.textContent = `The model could not be loaded in this browser (${e.message}); the pictures on this site show what it draws.`;
      api.loadError = String(e.message || e);
      throw e;
    });
    api.ready.catch(() => {});
    return api.ready;
  }
  for (const ev of ['focusin', 'pointerdown', 'keydown']) root.addEventListener(ev, start, { once: true });
  if (root.dataset.autoload !== undefined) start();
  api.start = start;
  api.draw = draw;
  return api;
}

const roots = document.querySelectorAll('.tdm-try');
window.textdiffTry = [...roots].map(r => mount(r, new URL('.', import.meta.url)))[0];
