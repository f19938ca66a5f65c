// A seeded generator of JSON-ish values and texts for the encodeJson differential tests (and memcheck).
// Covers every escape (control chars, quote, backslash, U+2028/2029), Latin-1 and two-byte text,
// astral pairs, lone surrogates, toJSON, undefined/function members, NaN/Infinity, -0 and deep nesting.

export type Rng = () => number;

/** mulberry32: small, fast, good enough to spread cases; the seed makes a failure reproducible. */
export function rngFrom(seed: number): Rng {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const int = (rng: Rng, n: number): number => Math.floor(rng() * n);

// One code unit (or an astral pair) from a class picked at random.
function unit(rng: Rng, classes: number): string {
  switch (int(rng, classes)) {
    case 0:
      return String.fromCharCode(0x20 + int(rng, 0x5f)); // printable ASCII
    case 1:
      return String.fromCharCode(int(rng, 0x20)); // control chars: \b \t \n \f \r and \u00XX
    case 2:
      return ['"', '\\', '/', '\u007f'][int(rng, 4)];
    case 3:
      return String.fromCharCode(0x80 + int(rng, 0x80)); // Latin-1 upper half
    case 4:
      return String.fromCharCode(0x100 + int(rng, 0x700)); // two UTF-8 bytes
    case 5:
      return String.fromCharCode(0x800 + int(rng, 0xd000)); // three bytes (below the surrogates)
    case 6:
      return ['\u2028', '\u2029', '\ufeff', '\uffff', '\ue000'][int(rng, 5)];
    case 7:
      return String.fromCodePoint(0x10000 + int(rng, 0x100000)); // astral: a valid pair
    case 8:
      return String.fromCharCode(0xd800 + int(rng, 0x800)); // a lone surrogate (or an accidental pair)
    default:
      return String.fromCharCode(0xdc00 + int(rng, 0x400)) + String.fromCharCode(0xd800 + int(rng, 0x400));
  }
}

/** A random string of `length` units; `latin1Only` keeps every unit <= 0xFF (classes 0-3). */
export function randomText(rng: Rng, length: number, latin1Only = false): string {
  const parts: string[] = [];
  const classes = latin1Only ? 4 : 10;
  // Runs: long ASCII stretches between special characters, as in real text, plus dense stretches.
  while (parts.length < length) {
    if (rng() < 0.5) {
      const run = int(rng, 40);
      for (let k = 0; k < run; k++) parts.push(String.fromCharCode(0x61 + int(rng, 26)));
    } else {
      parts.push(unit(rng, classes));
    }
  }
  return parts.join('').slice(0, length);
}

function randomNumber(rng: Rng): number {
  const pick = int(rng, 10);
  if (pick === 0) return [NaN, Infinity, -Infinity, -0, 0, 1e21, 1e-7, Number.MAX_VALUE, Number.MIN_VALUE][int(rng, 9)];
  if (pick < 4) return int(rng, 1000) - 500;
  return (rng() - 0.5) * 10 ** int(rng, 30);
}

/** A random JSON-ish value, nested up to `depth`, including things JSON.stringify drops or converts. */
export function randomValue(rng: Rng, depth: number): unknown {
  const pick = int(rng, depth > 0 ? 14 : 9);
  switch (pick) {
    case 0:
      return null;
    case 1:
      return rng() < 0.5;
    case 2:
    case 3:
      return randomNumber(rng);
    case 4:
    case 5:
      return randomText(rng, int(rng, 30));
    case 6:
      return randomText(rng, int(rng, 30), true);
    case 7:
      return new Date(int(rng, 2e12));
    case 8:
      return [undefined, () => 1, Symbol('s')][int(rng, 3)];
    case 9:
    case 10: {
      const out: unknown[] = [];
      for (let k = int(rng, 6); k > 0; k--) out.push(randomValue(rng, depth - 1));
      return out;
    }
    case 11: {
      const inner = randomValue(rng, depth - 1);
      return { toJSON: () => inner };
    }
    default: {
      const out: Record<string, unknown> = {};
      for (let k = int(rng, 6); k > 0; k--) out[randomText(rng, int(rng, 8))] = randomValue(rng, depth - 1);
      return out;
    }
  }
}

/** [[[...]]] and {"a":{"a":...}} `depth` levels deep. */
export function deepValue(depth: number, useObjects: boolean): unknown {
  let value: unknown = 'leaf\u00e9\u4e2d';
  for (let k = 0; k < depth; k++) value = useObjects ? { a: value } : [value];
  return value;
}
