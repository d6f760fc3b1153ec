// The prompt path of textdiff_mnist in the browser: chapter 3's parser (read_prompt, require_digit, read_number,
// ignored_words, canonical_prompt, complete_style), chapter 7's tokenizer (tokenize, word_ids, TextEncoder.ids) and
// chapter 12's checks (check_prompt_length, image_seed). Written once here; every word list, constant and Unicode
// table comes from Python (textdiff_mnist.browser.browser_tables, saved as browser.json), and tests/test_browser.py
// checks this file against Python on thousands of prompts in Chromium. Strings are handled as arrays of code points,
// as Python indexes them.
import { PCG64 } from './rng.mjs';

const CRC = new Uint32Array(256).map((_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const utf8 = new TextEncoder();

/** zlib.crc32 of the UTF-8 bytes of `s`. */
export function crc32(s) {
  let c = 0xFFFFFFFF;
  for (const b of utf8.encode(s)) c = CRC[(c ^ b) & 0xFF] ^ (c >>> 8);
  return (c ^ 0xFFFFFFFF) >>> 0;
}

export class NoDigitError extends Error {}          // the prompt does not name exactly one digit (or number)
export class NumberError extends NoDigitError {}
export class GenerationError extends Error {}       // too long

const inRanges = (r, cp) => {                       // r: [start0, end0, start1, end1, ...], inclusive, sorted
  let lo = 0, hi = r.length / 2 - 1;
  while (lo <= hi) {
    const m = (lo + hi) >> 1;
    if (cp < r[2 * m]) hi = m - 1; else if (cp > r[2 * m + 1]) lo = m + 1; else return true;
  }
  return false;
};
const isAsciiDigit = c => c !== undefined && c.length === 1 && c >= '0' && c <= '9';
const isDigits = s => /^[0-9]+$/.test(s);

export function makeParser(T) {
  const U = T.unicode, lowerMap = new Map(Object.entries(U.lower).map(([k, v]) => [Number(k), v]));
  const cls = name => c => c !== undefined && inRanges(U[name], c.codePointAt(0));
  const isdigit = cls('digit'), isalnum = cls('alnum'), isspace = cls('space'), unprintable = cls('unprintable');
  const DIGIT_WORDS = T.digit_words, W2D = new Map(Object.entries(T.word2digit));
  const STOP = new Set(T.stopwords), KNOWN = new Set(T.known), UNDERSTOOD = new Set(T.understood);
  const TYPO_TARGETS = T.understood.filter(w => w.length >= 4), STYLE_WORDS = T.style_words;
  const PHRASES = new Map(T.phrases.map(([k, a, l]) => [k, [a, l]])), CANON = new Map(Object.entries(T.canon));
  const MAXLEN = Math.max(...T.phrases.map(([k]) => k.split(' ').length));
  const HINT = "name one digit 0-9 as a word or numeral, e.g. 'a thick slanted seven' or 'a narrow 4'", NUMBER_HINT = T.number_hint;

  /** Python's str.lower(), as an array of code points (a few characters lower to two). */
  const lower = s => Array.from(s, c => lowerMap.get(c.codePointAt(0)) ?? c).flatMap(c => Array.from(c));
  const blank = s => Array.from(s).every(isspace);            // `not s.strip()`

  /** Python's repr() of a string. */
  function repr(s) {
    const q = s.includes("'") && !s.includes('"') ? '"' : "'";
    const hex = (cp, n) => cp.toString(16).padStart(n, '0');
    let out = q;
    for (const c of s) {
      const cp = c.codePointAt(0);
      if (c === q || c === '\\') out += '\\' + c;
      else if (c === '\t') out += '\\t'; else if (c === '\n') out += '\\n'; else if (c === '\r') out += '\\r';
      else if (cp < 0x20 || cp === 0x7F) out += '\\x' + hex(cp, 2);
      else if (cp < 0x7F || !unprintable(c)) out += c;
      else out += cp <= 0xFF ? '\\x' + hex(cp, 2) : cp <= 0xFFFF ? '\\u' + hex(cp, 4) : '\\U' + hex(cp, 8);
    }
    return out + q;
  }

  /** Runs of [a-z]+ or [0-9]+ (each digit alone if `singleDigits`) in a code-point array: [start, end, text]. */
  function spans(low, singleDigits = false) {
    const kind = c => c.length === 1 && c >= 'a' && c <= 'z' ? 1 : isAsciiDigit(c) ? 2 : 0, out = [];
    for (let i = 0; i < low.length;) {
      const k = kind(low[i]);
      if (!k) { i++; continue; }
      let j = i + 1;
      while (j < low.length && kind(low[j]) === k && !(k === 2 && singleDigits)) j++;
      out.push([i, j, low.slice(i, j).join('')]); i = j;
    }
    return out;
  }
  const tokens = text => spans(lower(text)).map(s => s[2]);

  function damerau1(a, b) {                                  // at most one edit or adjacent swap apart
    if (a === b) return true;
    if (Math.abs(a.length - b.length) > 1) return false;
    if (a.length > b.length) [a, b] = [b, a];
    const la = a.length, lb = b.length;
    let i = 0;
    while (i < la && a[i] === b[i]) i++;
    if (la === lb) return a.slice(i + 1) === b.slice(i + 1) ||
      (i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2));
    return a.slice(i) === b.slice(i + 1);
  }

  function digitOf(tok) {                                    // the digit one token names, or null
    if (isDigits(tok)) return tok.length === 1 ? Number(tok) : null;
    if (W2D.has(tok)) return W2D.get(tok);
    if (tok.length < 3 || KNOWN.has(tok) || STOP.has(tok)) return null;
    const hits = new Set(DIGIT_WORDS.map((w, i) => damerau1(tok, w) ? i : -1).filter(i => i >= 0));
    return hits.size === 1 ? [...hits][0] : null;
  }

  const phraseAt = (toks, i) => {                            // the longest lexicon phrase starting at toks[i]: its length, or 0
    for (let L = Math.min(MAXLEN, toks.length - i); L > 0; L--) if (PHRASES.has(toks.slice(i, i + L).join(' '))) return L;
    return 0;
  };

  function scan(text) {                                      // levels named per attribute (3 sets), distinct digits in order
    const toks = tokens(text), seen = [new Set(), new Set(), new Set()], digits = [];
    for (let i = 0; i < toks.length;) {
      const L = phraseAt(toks, i);
      if (L) { const [a, l] = PHRASES.get(toks.slice(i, i + L).join(' ')); seen[a].add(l); i += L; continue; }
      const d = digitOf(toks[i]);
      if (d !== null && !digits.includes(d)) digits.push(d);
      i++;
    }
    return { seen, digits };
  }
  const levelsOf = seen => seen.map(s => s.size === 1 ? [...s][0] : null);

  function parsePrompt(text) {
    const { seen, digits } = scan(text);
    return { digit: digits.length === 1 ? digits[0] : null, levels: levelsOf(seen), digits };
  }

  function numeralRuns(low) {                                // [start, end, groups, sign, decimal]
    const toks = spans(low), runs = [];
    for (let i = 0; i < toks.length;) {
      const [a, b] = toks[i];
      if (!isAsciiDigit(low[a])) { i++; continue; }
      const groups = [low.slice(a, b).join('')];
      let j = i;
      while (j + 1 < toks.length && isAsciiDigit(low[toks[j + 1][0]]) && [' ', '-'].includes(low.slice(toks[j][1], toks[j + 1][0]).join(''))) {
        j++; groups.push(toks[j][2]);
      }
      const s = a, e = toks[j][1];
      const sign = s > 0 && ['-', '\u2212'].includes(low[s - 1]) && (s === 1 || !isalnum(low[s - 2]));
      const decimal = (e + 1 < low.length && ['.', ','].includes(low[e]) && isdigit(low[e + 1])) || (s >= 2 && low[s - 1] === '.' && isdigit(low[s - 2]));
      runs.push([s, e, groups, sign, decimal]); i = j + 1;
    }
    return runs;
  }

  function spelledRuns(low) {                                // [start, end, digits] of 2+ digit words in a row
    const runs = []; let cur = [];
    for (const [a, b, w] of [...spans(low), [low.length, low.length, '']]) {
      const isWord = DIGIT_WORDS.includes(w);
      if (isWord && (!cur.length || /^[ ,-]+$/.test(low.slice(cur[cur.length - 1][1], a).join('')))) { cur.push([a, b, w]); continue; }
      if (cur.length >= 2) runs.push([cur[0][0], cur[cur.length - 1][1], cur.map(x => DIGIT_WORDS.indexOf(x[2])).join('')]);
      cur = isWord ? [[a, b, w]] : [];
    }
    return runs;
  }

  const unique = xs => [...new Set(xs)];
  const maxLen = g => Math.max(...g.map(x => x.length));

  function readNumber(text) {
    if (blank(text)) throw new NumberError(`The prompt ${repr(text)} is empty: ${NUMBER_HINT}.`);
    const low = lower(text), q = repr(text), runs = numeralRuns(low);
    for (const [s, e, , sign, dec] of runs) {
      if (dec) throw new NumberError(`The prompt ${q} has a decimal number: only whole numbers are drawn; ${NUMBER_HINT}.`);
      if (sign) throw new NumberError(`The prompt ${q} has a negative number (${low.slice(s - 1, e).join('')}): only the digits are drawn, no signs; ${NUMBER_HINT}.`);
    }
    const nums = runs.filter(r => maxLen(r[2]) >= 2).map(([s, e, g]) => [s, e, g.join('')]);
    const apart = runs.filter(r => r[2].length > 1 && maxLen(r[2]) < 2).map(r => r[2]);
    const singles = runs.filter(r => maxLen(r[2]) < 2).flatMap(r => r[2]);
    const spelled = spelledRuns(low);
    const inside = (a, b) => spelled.some(([s, e]) => s <= a && b <= e);
    const words = spans(low).filter(([a, b, w]) => !isDigits(w) && digitOf(w) !== null && !inside(a, b)).map(x => x[2]);
    const cands = [...nums, ...spelled];
    if (!cands.length && apart.length === 1 && apart[0].length === singles.length && !words.length)
      throw new NumberError(`The prompt ${q} names the digits ${singles.join(' ')} apart: to draw the number, write them together, '${singles.join('')}'; or name one digit 0-9.`);
    if (!cands.length) throw new NumberError(`No digit or number found in the prompt ${q}: name one digit 0-9, or ${NUMBER_HINT}.`);
    const values = unique(cands.map(c => c[2]));
    if (values.length > 1 || singles.length || words.length) {
      const others = [...values, ...singles, ...words.map(w => String(digitOf(w)))];
      throw new NumberError(`The prompt ${q} names ${unique(others).join(' and ')}, which disagree: name one number; ${NUMBER_HINT}.`);
    }
    const [s, e, digits] = cands[0];
    if (digits.length > T.max_number_digits)
      throw new NumberError(`The prompt ${q} names a number of ${digits.length} digits: at most ${T.max_number_digits} are drawn; ${NUMBER_HINT}.`);
    const cps = Array.from(text);
    return { digits, levels: levelsOf(scan(cps.slice(0, s).join('') + ' ' + cps.slice(e).join('')).seen), span: [s, e] };
  }

  /** A one-digit reading {digit, levels, digits} or a number {digits (a string), levels, span}; NoDigitError if neither. */
  function readPrompt(text) {
    const p = parsePrompt(text);
    return p.digit !== null ? p : readNumber(text);
  }

  function requireDigit(text) {
    if (typeof text !== 'string' || blank(text)) throw new NoDigitError(`The prompt ${repr(String(text))} is empty: ${HINT}.`);
    const p = parsePrompt(text), q = repr(text);
    if (p.digit !== null) return p;
    let num = null, why = '';
    try { num = readNumber(text); } catch (e) { if (!(e instanceof NumberError)) throw e; why = e.message; }
    if (num) throw new NoDigitError(`The prompt ${q} names the number ${num.digits}, not one digit 0-9: draw numbers with ` +
      `\`textdiff_mnist.write\` (the command line's generate and the server draw them too), or ${HINT}.`);
    if (p.digits.length > 1) {
      const together = why.includes('apart') ? ` (to draw the number, write '${p.digits.join('')}')` : '';
      throw new NoDigitError(`The prompt ${q} names several digits (${p.digits.join(', ')})${together}: ${HINT}.`);
    }
    throw new NoDigitError(`No digit found in the prompt ${q}: ${HINT}.`);
  }

  /** The server's refusal of a prompt (read_prompt's message; require_digit's when no number is in sight), or null. */
  function refusal(text) {
    let why;
    try { readPrompt(text); return null; } catch (e) { if (!(e instanceof NoDigitError)) throw e; why = e.message; }
    if (why.startsWith('No digit or number found')) {
      try { requireDigit(text); } catch (e) { if (!(e instanceof NoDigitError)) throw e; why = e.message; }
    }
    return why;
  }

  /** The prompt of each digit of a number: the number replaced by that digit's numeral. */
  const digitPrompts = (text, number) => {
    const cps = Array.from(text), [s, e] = number.span;
    return [...number.digits].map(d => cps.slice(0, s).join('') + d + cps.slice(e).join(''));
  };

  function understood(tok) {
    if (tok.length < 2 || isDigits(tok) || UNDERSTOOD.has(tok) || digitOf(tok) !== null) return true;
    return tok.length >= 4 && TYPO_TARGETS.some(w => damerau1(tok, w));
  }
  const ignoredWords = text => unique(tokens(text).filter(t => !understood(t)));

  const article = word => {
    const w = word.toLowerCase();
    return ('aeiou8'.includes(w.slice(0, 1)) && w.length && !['one', 'uni', 'eu'].some(p => w.startsWith(p))) || w.startsWith('11') ? 'an' : 'a';
  };
  function styleTypo(tok) {
    if (tok.length < 4 || UNDERSTOOD.has(tok) || digitOf(tok) !== null) return tok;
    const hits = STYLE_WORDS.filter(w => damerau1(tok, w));
    return hits.length === 1 ? hits[0] : tok;
  }

  function canonicalPrompt(text, onlyParsed = false) {
    let toks = tokens(text); const out = [];
    if (onlyParsed) toks = toks.map(styleTypo);
    for (let i = 0; i < toks.length;) {
      const L = phraseAt(toks, i);
      if (L) { const k = toks.slice(i, i + L).join(' '); out.push(CANON.get(k) ?? k); i += L; continue; }
      const d = digitOf(toks[i]);
      if (d !== null) out.push(onlyParsed && !W2D.has(toks[i]) && !isDigits(toks[i]) ? DIGIT_WORDS[d] : toks[i]);
      else if (!onlyParsed) out.push(toks[i]);
      i++;
    }
    const s = out.join(' ');
    return onlyParsed && s ? `${article(s)} ${s}` : s;
  }
  const PROMPT_MODES = { typed: p => p, canonical: p => canonicalPrompt(p), parsed: p => canonicalPrompt(p, true) };

  /** complete_style: a canonical style word for each attribute `text` leaves unsaid, drawn with the style prior from `seed`. */
  function completeStyle(text, seed, prior = T.style_prior) {
    if (!text) return text;
    const seen = scan(text).seen, rng = PCG64.fromSeed(BigInt(crc32(`style ${seed}`)));
    const u = [0, 1, 2].map(() => rng.random()), cum = [];
    prior.reduce((a, p, i) => (cum[i] = a + p), 0);
    const words = [];
    T.attributes.forEach((_, i) => {
      if (seen[i].size || !(u[i] < cum[cum.length - 1])) return;
      words.push(T.canonical_words[i][cum.filter(c => c <= u[i]).length]);
    });
    return [...words, text].join(' ');
  }

  // ---- chapter 7's tokenizer and chapter 12's checks ----
  const tokenize = text => spans(lower(String(text)), true).map(s => s[2]);
  const wordIdCache = new Map();
  function wordIds(word, nBuckets = T.n_buckets) {
    const key = word + '/' + nBuckets;
    if (wordIdCache.has(key)) return wordIdCache.get(key);
    const w = `<${word}>`, grams = [w];
    for (const n of [2, 3]) for (let i = 0; i + n <= w.length; i++) grams.push(w.slice(i, i + n));
    const ids = grams.map(g => crc32(`${g.length}:${g}`) % (nBuckets - 1) + 1);
    wordIdCache.set(key, ids);
    return ids;
  }
  /** TextEncoder.ids: padded sub-word ids, {data: BigInt64Array, dims: [B, W, G]}. */
  function ids(texts, maxWords = T.max_words, nBuckets = T.n_buckets) {
    const toks = texts.map(t => tokenize(t).slice(0, maxWords).map(w => wordIds(w, nBuckets)));
    const W = Math.max(1, ...toks.map(t => t.length)), G = Math.max(1, ...toks.flat().map(g => g.length));
    const data = new BigInt64Array(texts.length * W * G);
    toks.forEach((t, b) => t.forEach((g, w) => g.forEach((id, k) => { data[(b * W + w) * G + k] = BigInt(id); })));
    return { data, dims: [texts.length, W, G] };
  }

  function checkPromptLength(prompt, maxWords = T.max_words) {
    const cps = Array.from(prompt), max = T.max_prompt_chars;
    const short = repr(cps.length <= 40 ? prompt : cps.slice(0, 37).join('') + '...');
    if (cps.length > max) throw new GenerationError(`the prompt ${short} is ${cps.length} characters long; at most ${max} are accepted, e.g. 'a thick slanted 4'`);
    const w = tokenize(prompt).length;
    if (w > maxWords) throw new GenerationError(`the prompt ${short} has ${w} words (a digit character counts as one); the text encoder reads ` +
      `only the first ${maxWords}, so at most ${maxWords} are accepted`);
    return prompt;
  }

  /** image_seed(seed, prompt, k) and numbers.digit_seed, as BigInts. */
  const imageSeed = (seed, prompt, k) => BigInt(crc32(`${seed}\x00${prompt}\x00${k}`)) + (BigInt(seed) << 32n) % (1n << 62n);
  const digitSeed = (numberSeed, j) => BigInt(crc32(`digit ${j}`)) + (BigInt(numberSeed) << 16n) % (1n << 62n);

  /** What the page does with a prompt before drawing: the refusal or the reading, the words it ignores, and the
   * prompt of each image (one for a digit, one per digit for a number) with its seed. Python's twin:
   * textdiff_mnist.browser.prompt_plan. */
  function plan(prompt, { n = 1, seed = 0, mode = 'parsed' } = {}) {
    const why = refusal(prompt);
    if (why !== null) return { refusal: why };
    try { checkPromptLength(prompt); } catch (e) { if (e instanceof GenerationError) return { refusal: e.message }; throw e; }
    const r = readPrompt(prompt), number = r.digit === undefined || r.digit === null, images = [];
    for (let k = 0; k < n; k++) {
      const s = imageSeed(seed, prompt, k);
      if (!number) { images.push({ seed: s, prompts: [PROMPT_MODES[mode](completeStyle(prompt, s))], noiseSeeds: [s] }); continue; }
      const ps = digitPrompts(prompt, r);
      images.push({ seed: s, prompts: ps.map(p => PROMPT_MODES[mode](completeStyle(p, s))), noiseSeeds: ps.map((_, j) => digitSeed(s, j)) });
    }
    return { kind: number ? 'number' : 'digit', digit: number ? null : r.digit, digits: number ? r.digits : String(r.digit),
             levels: r.levels, ignored: ignoredWords(prompt), images };
  }

  return { repr, lower, tokens, parsePrompt, readNumber, readPrompt, requireDigit, refusal, digitPrompts, ignoredWords,
           canonicalPrompt, PROMPT_MODES, completeStyle, tokenize, wordIds, ids, checkPromptLength, imageSeed, digitSeed, plan };
}
