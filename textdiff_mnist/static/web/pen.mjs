// Chapter 19b's "one pen" step (numbers.one_pen), for the page's number strips: each digit of a number sheared halfway
// to the number's mean slant (PIL's bilinear affine transform), then its stroke made thinner or thicker (a blend with
// PIL's 3x3 MinFilter / MaxFilter) toward the number's mean thickness, both measured as chapter 2's measure_attributes
// measures them (Zhang-Suen skeleton, intensity moments). Written to give Python's pixels: float32 where numpy and torch
// round to float32, numpy's pairwise summation where a float32 sum decides, PIL's truncation to uint8.
const f = Math.fround;

export const PEN_STEPS = [-0.5, -0.25, 0, 0.25, 0.5];   // numbers.PEN_STEPS: np.linspace(-0.5, 0.5, 5)
export const SHEAR = 0.5;                                // numbers.SHEAR
export const INK_THRESHOLD = 128;                        // attributes.INK_THRESHOLD: a pixel is ink from 128 of 255

/** numpy's pairwise sum of `v` (add.reduce of a float32 array when `round` is Math.fround, of a float64 one otherwise). */
export function pairwiseSum(v, round = f, lo = 0, n = v.length) {
  if (n < 8) { let r = 0; for (let i = 0; i < n; i++) r = round(r + v[lo + i]); return r; }
  if (n <= 128) {
    const r = [];
    for (let j = 0; j < 8; j++) r.push(round(v[lo + j]));
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let j = 0; j < 8; j++) r[j] = round(r[j] + v[lo + i + j]);
    let res = round(round(round(r[0] + r[1]) + round(r[2] + r[3])) + round(round(r[4] + r[5]) + round(r[6] + r[7])));
    for (; i < n; i++) res = round(res + v[lo + i]);
    return res;
  }
  let n2 = Math.floor(n / 2); n2 -= n2 % 8;
  return round(pairwiseSum(v, round, lo, n2) + pairwiseSum(v, round, lo + n2, n - n2));
}
const mean32 = v => f(pairwiseSum(v) / v.length);

// Zhang-Suen: may the centre pixel go, for each of the 256 neighbourhoods (bit k = P2..P9: N, NE, E, SE, S, SW, W, NW)?
const ZS = [0, 1].map(step => Uint8Array.from({ length: 256 }, (_, code) => {
  const P = Array.from({ length: 8 }, (_, k) => (code >> k) & 1), B = P.reduce((s, p) => s + p, 0);
  let A = 0; for (let k = 0; k < 8; k++) A += P[k] === 0 && P[(k + 1) % 8] === 1;
  const [P2, P3, P4, P5, P6, P7, P8, P9] = P, ok = B >= 2 && B <= 6 && A === 1;
  return step === 0 ? ok && P2 * P4 * P6 === 0 && P4 * P6 * P8 === 0 : ok && P2 * P4 * P8 === 0 && P2 * P6 * P8 === 0;
}));
const NB = [[-1, 0], [-1, 1], [0, 1], [1, 1], [1, 0], [1, -1], [0, -1], [-1, -1]];   // P2..P9 as (row, column) offsets

/** attributes.skeletonize of one 28x28 0/1 image: its Zhang-Suen skeleton (at most 30 iterations). */
export function skeletonize(ink, maxIter = 30) {
  const b = Uint8Array.from(ink), code = new Uint8Array(784);
  for (let it = 0; it < maxIter; it++) {
    let changed = false;
    for (const step of [0, 1]) {
      for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) {
        let k = 0;
        NB.forEach(([dr, dc], bit) => { const rr = r + dr, cc = c + dc; if (rr >= 0 && rr < 28 && cc >= 0 && cc < 28 && b[rr * 28 + cc]) k |= 1 << bit; });
        code[r * 28 + c] = k;
      }
      for (let i = 0; i < 784; i++) if (b[i] && ZS[step][code[i]]) { b[i] = 0; changed = true; }
    }
    if (!changed) break;
  }
  return b;
}

/** measure_attributes' thickness (float32, px) and slant (shear, + = leaning right; float32) of one uint8 image (784). */
export function measure(u8) {
  const ink = u8.map(v => v >= INK_THRESHOLD ? 1 : 0);
  const area = ink.reduce((s, v) => s + v, 0), length = skeletonize(ink).reduce((s, v) => s + v, 0);
  const thickness = f(f(f(Math.sqrt(f(length * length + 4 * area))) - length) / 2);
  let m = 0, sy = 0, sx = 0;
  for (let i = 0; i < 784; i++) { const w = u8[i] / 255; m += w; sy += w * Math.floor(i / 28); sx += w * (i % 28); }
  m = Math.max(m, 1e-6);
  const cy = sy / m, cx = sx / m;
  let mu11 = 0, mu02 = 0;
  for (let i = 0; i < 784; i++) { const w = u8[i] / 255, dy = Math.floor(i / 28) - cy; mu11 += w * (i % 28 - cx) * dy; mu02 += w * dy * dy; }
  return { thickness, slant: f(-(mu11 / m) / Math.max(mu02 / m, 1e-6)) };
}

/** core.to_uint8 of an image in [0, 1]: float32, clipped, times float32 255, rounded half to even. */
const toU8 = a => Uint8Array.from(a, v => { const x = f(f(Math.min(1, Math.max(0, f(v)))) * 255), r = Math.round(x); return r - x === 0.5 && r % 2 ? r - 1 : r; });
const truncU8 = a => Uint8Array.from(a, v => Math.trunc(f(v * 255)));   // (a * 255).astype(np.uint8) of a float32 array

/** numbers._shear: `a` (784 floats in [0, 1]) sheared by `d` about its centre of mass row, as PIL's bilinear AFFINE transform does it. */
export function shear(a, d) {
  const m = pairwiseSum(a), rows = [];
  for (let r = 0; r < 28; r++) rows.push(pairwiseSum(a, f, 28 * r, 28) * r);
  const cy = m > 0 ? pairwiseSum(rows, x => x) / m : 14, im = truncU8(a), out = new Float32Array(784), a2 = -d * cy;
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    let xin = 1 * (x + 0.5) + d * (y + 0.5) + a2;
    if (xin < 0 || xin >= 28) continue;                              // outside: PIL's fill, 0
    xin -= 0.5;
    const x0 = Math.floor(xin), dx = xin - x0, c0 = Math.min(27, Math.max(0, x0)), c1 = Math.min(27, Math.max(0, x0 + 1));
    const p = im[y * 28 + c0], v = p + (im[y * 28 + c1] - p) * dx;
    out[y * 28 + x] = f(Math.trunc(v) / 255);
  }
  return out;
}

/** PIL's MinFilter(3) / MaxFilter(3) of a uint8 image (edges repeated), as floats / 255 (float32). */
function rank3(u8, pick) {
  const out = new Float32Array(784);
  for (let r = 0; r < 28; r++) for (let c = 0; c < 28; c++) {
    let v = u8[r * 28 + c];
    for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) v = pick(v, u8[Math.min(27, Math.max(0, r + dr)) * 28 + Math.min(27, Math.max(0, c + dc))]);
    out[r * 28 + c] = f(v / 255);
  }
  return out;
}

/** numbers._pens: `a` with its stroke thinner or thicker by each of PEN_STEPS (float64, as numpy blends them). */
export function pens(a) {
  const u8 = truncU8(a), lo = rank3(u8, Math.min), hi = rank3(u8, Math.max);
  return PEN_STEPS.map(w => Float64Array.from(a, (v, i) => (1 - Math.abs(w)) * v + Math.abs(w) * (w > 0 ? hi : lo)[i]));
}

/** numbers.one_pen: the digits of one number (each 784 floats in [0, 1]) drawn with one pen. */
export function onePen(digits) {
  if (digits.length < 2) return digits;
  const s = digits.map(d => measure(toU8(d)).slant), ms = mean32(s);
  const sheared = digits.map((d, j) => shear(d, SHEAR * f(ms - s[j])));
  const P = sheared.map(pens), t = P.map(ps => ps.map(p => measure(toU8(p)).thickness));
  const target = mean32(t.map(tj => tj[(PEN_STEPS.length - 1) / 2]));
  return P.map((ps, j) => {
    let best = 0;
    for (let i = 1; i < ps.length; i++) if (Math.abs(f(t[j][i] - target)) < Math.abs(f(t[j][best] - target))) best = i;
    return ps[best];
  });
}
