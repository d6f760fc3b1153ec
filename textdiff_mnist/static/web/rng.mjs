// The two random generators the Python path uses, so that a seed means the same thing in the page:
// numpy's default_rng (SeedSequence + PCG64: chapter 3's complete_style draws the unsaid styles with it) and torch's
// CPU normal generator (mt19937, then Box-Muller in blocks of 16: textdiff_mnist.noise, chapter 6a).
const M32 = 0xFFFFFFFFn, M64 = (1n << 64n) - 1n, M128 = (1n << 128n) - 1n;
const mul32 = (a, b) => Math.imul(a, b) >>> 0;

/** numpy.random.SeedSequence(entropy).generate_state(n, uint32) for a non-negative integer or a list of them. */
export function seedSequence(entropy, nWords) {
  const words = [];
  for (let x of [].concat(entropy)) {
    x = BigInt(x);
    do { words.push(Number(x & M32)); x >>= 32n; } while (x > 0n);
  }
  let hashConst = 0x43b0d7e5;
  const hashmix = v => {
    v = (v ^ hashConst) >>> 0; hashConst = mul32(hashConst, 0x931e8875);
    v = mul32(v, hashConst); return (v ^ (v >>> 16)) >>> 0;
  };
  const mix = (x, y) => { const r = (mul32(0xca01f9dd, x) - mul32(0x4973f715, y)) >>> 0; return (r ^ (r >>> 16)) >>> 0; };
  const pool = [0, 1, 2, 3].map(i => hashmix(i < words.length ? words[i] : 0));
  for (let s = 0; s < 4; s++) for (let d = 0; d < 4; d++) if (s !== d) pool[d] = mix(pool[d], hashmix(pool[s]));
  for (let s = 4; s < words.length; s++) for (let d = 0; d < 4; d++) pool[d] = mix(pool[d], hashmix(words[s]));
  let hc = 0x8b51f9dd; const out = [];
  for (let i = 0; i < nWords; i++) {
    let v = (pool[i % 4] ^ hc) >>> 0; hc = mul32(hc, 0x58f38ded);
    v = mul32(v, hc); out.push((v ^ (v >>> 16)) >>> 0);
  }
  return out;
}

/** numpy's PCG64 (XSL-RR 128/64), seeded as numpy.random.default_rng(seed) seeds it. */
export class PCG64 {
  static MULT = 0x2360ED051FC65DA44385DF649FCCF645n;
  static fromSeed(seed) {
    const w = seedSequence(seed, 8).map(BigInt), u64 = i => w[2 * i] | (w[2 * i + 1] << 32n);
    return new PCG64((u64(0) << 64n) | u64(1), (u64(2) << 64n) | u64(3));
  }
  constructor(initstate, initseq) {
    this.inc = ((initseq << 1n) | 1n) & M128; this.state = 0n;
    this.step(); this.state = (this.state + initstate) & M128; this.step();
    this.buffered = null;
  }
  step() { this.state = (this.state * PCG64.MULT + this.inc) & M128; }
  nextUint64() {
    this.step();
    const rot = this.state >> 122n, x = ((this.state >> 64n) ^ this.state) & M64;
    return ((x >> rot) | (x << ((64n - rot) & 63n))) & M64;
  }
  /** Generator.random(): a float64 in [0, 1) from the top 53 bits. */
  random() { return Number(this.nextUint64() >> 11n) / 9007199254740992; }
  nextUint32() {
    if (this.buffered !== null) { const v = this.buffered; this.buffered = null; return v; }
    const x = this.nextUint64(); this.buffered = Number(x >> 32n); return Number(x & M32);
  }
  /** Generator.integers(lo, hi + 1) for a range below 2**32 (numpy's Lemire rejection on 32-bit draws). */
  integer(lo, hi) {
    const range = hi - lo;
    if (range === 0) return lo;
    const excl = range + 1;
    let m = BigInt(this.nextUint32()) * BigInt(excl), left = Number(m & M32);
    if (left < excl) {
      const threshold = (0x100000000 - excl) % excl;
      while (left < threshold) { m = BigInt(this.nextUint32()) * BigInt(excl); left = Number(m & M32); }
    }
    return lo + Number(m >> 32n);
  }
}

/** mt19937 seeded as torch.Generator().manual_seed(seed) seeds it (the low 32 bits of the seed). */
export class MT19937 {
  constructor(seed) {
    const mt = this.mt = new Uint32Array(624);
    mt[0] = Number(BigInt(seed) & M32);
    for (let i = 1; i < 624; i++) { const p = mt[i - 1] ^ (mt[i - 1] >>> 30); mt[i] = (mul32(1812433253, p) + i) >>> 0; }
    this.i = 624;
  }
  next() {
    const mt = this.mt;
    if (this.i >= 624) {
      for (let k = 0; k < 624; k++) {
        const y = (mt[k] & 0x80000000) | (mt[(k + 1) % 624] & 0x7FFFFFFF);
        mt[k] = mt[(k + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908B0DF : 0);
      }
      this.i = 0;
    }
    let y = mt[this.i++];
    y ^= y >>> 11; y ^= (y << 7) & 0x9D2C5680; y ^= (y << 15) & 0xEFC60000; y ^= y >>> 18;
    return y >>> 0;
  }
}

const f = Math.fround;
/** torch.randn(n, generator=torch.Generator().manual_seed(seed)) on the CPU for n a multiple of 16, as float32. */
export function randn(n, seed) {
  if (n % 16) throw new Error('randn: n must be a multiple of 16');
  const g = new MT19937(seed), u = new Float32Array(n), out = new Float32Array(n);
  for (let i = 0; i < n; i++) u[i] = (g.next() & 0xFFFFFF) * 2 ** -24;
  const twoPi = f(2 * Math.PI);
  for (let b = 0; b < n; b += 16) for (let j = 0; j < 8; j++) {
    const r = f(Math.sqrt(f(-2 * f(Math.log(f(1 - u[b + j])))))), th = f(twoPi * u[b + 8 + j]);
    out[b + j] = f(r * f(Math.cos(th))); out[b + 8 + j] = f(r * f(Math.sin(th)));
  }
  return out;
}

/** samplers.clip_noise: clipped to [-clip, clip], then divided by `scale` (the clipped normal's standard deviation). */
export function clipNoise(x, clip, scale) {
  const s = f(scale);
  return x.map(v => f(Math.min(clip, Math.max(-clip, v)) / s));
}
