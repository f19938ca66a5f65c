// The byte pattern of the attackers' test bodies: byte i is PATTERN[i % 251] (a prime period, so a shifted
// or spliced body does not match by luck). Plain CommonJS so the soak's server (bench/soak/server.mjs) can
// load it without a TypeScript hook in the process it measures; byte-pattern.d.ts types it.
'use strict';

const PERIOD = 251;
const PATTERN = Buffer.alloc(PERIOD);
for (let i = 0; i < PERIOD; i++) PATTERN[i] = 0x21 + ((i * 37) % 94); // printable

/** n bytes of the pattern starting at offset `from`. */
function patternBytes(from, n) {
  const out = Buffer.allocUnsafe(n);
  let at = 0;
  let phase = from % PERIOD;
  while (at < n) {
    const take = Math.min(n - at, PERIOD - phase);
    PATTERN.copy(out, at, phase, phase + take);
    at += take;
    phase = 0;
  }
  return out;
}

/** Where `body` first differs from the pattern (-1: it matches). */
function patternMismatch(body) {
  for (let i = 0; i < body.length; i++) if (body[i] !== PATTERN[i % PERIOD]) return i;
  return -1;
}

module.exports = { patternBytes, patternMismatch };
