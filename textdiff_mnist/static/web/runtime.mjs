// The fast student in the browser: the text encoder and the UNet (chapter 9b's ONNX export) run by onnxruntime-web on
// one WebAssembly thread, in chapter 10's sampling loop (the student's DDIM steps, eta = 0; chapter 12's run_sampler),
// and a number's digits drawn with one pen (chapter 19b's `one_pen`: pen.mjs) and set on a baseline as its `compose` does.
import * as ort from './ort/ort.wasm.min.mjs';
import { makeParser } from './parser.mjs';
import { PCG64, randn, clipNoise } from './rng.mjs';
import { onePen } from './pen.mjs';

const f = Math.fround, PX = 28 * 28;

async function fetchBytes(url, counter) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  const b = new Uint8Array(await r.arrayBuffer());
  counter.bytes += b.length;
  return b;
}

/** Load browser.json and the two graphs from folder `base` (a URL); resolves to a Runtime. */
export async function loadRuntime(base = new URL('.', import.meta.url)) {
  const t0 = performance.now(), counter = { bytes: 0 };
  const T = JSON.parse(new TextDecoder().decode(await fetchBytes(new URL('browser.json', base), counter)));
  if (T.format !== 'textdiff-mnist-browser') throw new Error('browser.json is not a textdiff-mnist browser table');
  Object.assign(ort.env.wasm, { numThreads: 1, proxy: false, wasmPaths: new URL('ort/', base).href });
  ort.env.logLevel = 'error';
  const opts = { executionProviders: ['wasm'], graphOptimizationLevel: 'all' };
  const sessions = {};
  for (const k of ['text_encoder', 'unet']) sessions[k] = await ort.InferenceSession.create(await fetchBytes(new URL(T.model.graphs[k].file, base), counter), opts);
  return new Runtime(T, sessions.text_encoder, sessions.unet, { loadMs: performance.now() - t0, bytes: counter.bytes });
}

export class Runtime {
  constructor(T, te, unet, info) { Object.assign(this, { T, te, unet, info, parser: makeParser(T) }); }

  /** Prompt vectors (B, dim) of the texts, as the model's encoder reads them (already rewritten by its prompt mode). */
  async encode(texts) {
    const { data, dims } = this.parser.ids(texts);
    const out = await this.te.run({ ids: new ort.Tensor('int64', data, dims) });
    return out.vec;
  }

  /** Images in [0, 1] (B*784 floats) from starting noise `x` (B*784, model space) and prompt vectors `cond`. */
  async sample(x, cond) {
    const B = x.length / PX, ts = this.T.model.timesteps, ab = this.T.model.alpha_bar;
    x = Float32Array.from(x);
    for (let i = 0; i < ts.length; i++) {
      const t = ts[i];
      const { v } = await this.unet.run({ x: new ort.Tensor('float32', x, [B, 1, 28, 28]),
        t: new ort.Tensor('int64', new BigInt64Array(B).fill(BigInt(t)), [B]), cond });
      const a = f(Math.sqrt(ab[t])), s = f(Math.sqrt(1 - ab[t])), vd = v.data;
      const x0 = x.map((xi, j) => Math.min(1, Math.max(-1, f(f(a * xi) - f(s * vd[j])))));
      if (i + 1 === ts.length) { x = x0; break; }
      const u = ts[i + 1], as = f(Math.sqrt(ab[u])), ss = f(Math.sqrt(Math.max(0, 1 - ab[u])));
      x = x.map((xi, j) => { const eps = f(f(xi - f(a * x0[j])) / s); return f(f(as * x0[j]) + f(ss * eps)); });
    }
    return x.map(v => Math.min(1, Math.max(0, f(f(v + 1) / 2))));
  }

  /** Each noise seed's clipped starting noise, concatenated. */
  noise(seeds) {
    const x = new Float32Array(seeds.length * PX);
    seeds.forEach((s, i) => x.set(clipNoise(randn(PX, s), this.T.noise_clip, this.T.noise_scale), i * PX));
    return x;
  }

  /** Draw `prompt`: {refusal} or {plan, images: [{width, pixels (28*width floats), boxes}], ms}. `noise`: a fixed
   * starting batch (model space, one 784-float image per digit) instead of the seeds' (the test hook). */
  async draw(prompt, { n = 1, seed = 0n, noise = null } = {}) {
    const t0 = performance.now();
    const plan = this.parser.plan(prompt, { n, seed: BigInt(seed), mode: this.T.model.prompt_mode });
    if (plan.refusal) return { refusal: plan.refusal, plan };
    const texts = plan.images.flatMap(im => im.prompts), seeds = plan.images.flatMap(im => im.noiseSeeds);
    const x = noise ? Float32Array.from(noise) : this.noise(seeds);
    const out = await this.sample(x, await this.encode(texts));
    let k = 0;
    const images = plan.images.map(im => {
      const digits = im.prompts.map(() => out.subarray(PX * k, PX * ++k));
      return plan.kind === 'number' ? compose(onePen(digits), im.seed) : { width: 28, pixels: digits[0], boxes: [[0, 28]] };
    });
    return { plan, images, ms: performance.now() - t0 };
  }
}

const INK = 0.2, MARGIN = 3, GAP = [1, 4], BASELINE = 1;

/** One strip (28 x width) from a number's digit images: each cut to its ink columns, shifted up or down by up to
 * BASELINE px and set left to right with gaps of GAP px, drawn from the number's seed as chapter 19b's compose draws them. */
export function compose(digits, numberSeed) {
  const rng = PCG64.fromSeed([BigInt(numberSeed), 28n]), crops = [];
  for (const d of digits) {
    let a = 28, b = 0;
    for (let c = 0; c < 28; c++) for (let r = 0; r < 28; r++) if (d[r * 28 + c] > INK) { a = Math.min(a, c); b = Math.max(b, c + 1); }
    if (b - a < 2) [a, b] = [10, 18];
    crops.push({ d, a, w: b - a, dy: rng.integer(-BASELINE, BASELINE) });
  }
  const gaps = crops.slice(1).map(() => rng.integer(GAP[0], GAP[1]));
  const width = 2 * MARGIN + crops.reduce((s, c) => s + c.w, 0) + gaps.reduce((s, g) => s + g, 0);
  const pixels = new Float32Array(28 * width), boxes = [];
  let x = MARGIN;
  crops.forEach((c, j) => {
    for (let r = 0; r < 28; r++) {
      const src = r - c.dy;
      if (src < 0 || src >= 28) continue;
      for (let col = 0; col < c.w; col++) pixels[r * width + x + col] = c.d[src * 28 + c.a + col];
    }
    boxes.push([x, x + c.w]); x += c.w + (gaps[j] ?? 0);
  });
  return { width, pixels, boxes };
}
