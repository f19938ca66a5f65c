// Types of byte-pattern.js (plain CommonJS: the soak's server loads it without a TypeScript hook).
/** n bytes of the pattern starting at offset `from`. */
export function patternBytes(from: number, n: number): Buffer;
/** Where `body` first differs from the pattern (-1: it matches). */
export function patternMismatch(body: Buffer): number;
