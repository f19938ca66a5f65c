// JSON → UTF-8 bytes: JSON.stringify makes the text (V8 beats any native object walk, see
// ../../bench/json.mjs), the addon transcodes long texts (one copy out of V8, SIMD count + transcode
// into one Buffer with headroom), and short texts stay in JS because a Node-API call costs 60–100 ns.
import { native } from './load';
import { checkHeadroom, checkText, stringifyOrThrow, utf8WithHeadroomJs, zeroHeadroom } from './json-js';
import { ErrorCode, KrozenTypeError } from '../base/errors';

export { MAX_HEADROOM, encodeJsonJs, encodeJsonWithHeadroomJs, utf8WithHeadroomJs } from './json-js';

export type JsonBackend = 'native' | 'js';

/** The addon's JSON entry points (native/json.cc). */
export interface JsonNative {
  /** Copies `text` out of V8 and returns its UTF-8 length; `latin1` promises every unit is <= 0xFF. */
  utf8Prepare(text: string, latin1?: boolean): number;
  /** Writes the prepared text at out[offset..]; out.length - offset must equal the prepared length. */
  utf8Commit(out: Uint8Array, offset: number): number;
  /** One call: writes the UTF-8 of text at out[offset..], RangeError if it does not fit. */
  utf8Write(text: string, out: Uint8Array, offset: number, latin1?: boolean): number;
  /** The transcoding kernel in use: 'avx2' | 'sse2' | 'scalar'. */
  utf8Kernel(): string;
  /** The kernels this CPU can run, best first. */
  utf8Kernels(): string[];
  /** Forces a kernel (tests and benchmarks only; process-wide). */
  _setUtf8Kernel(name: string): string;
}

function bindingOf(addon: Record<string, unknown> | null): JsonNative | null {
  if (addon === null || typeof addon.utf8Prepare !== 'function' || typeof addon.utf8Commit !== 'function') {
    return null;
  }
  return addon as unknown as JsonNative;
}

/** The native JSON entry points, or null when the JS twin runs. */
export const jsonNative: JsonNative | null = bindingOf(native);
export const jsonBackend: JsonBackend = jsonNative ? 'native' : 'js';

// Texts with only Latin-1 content (V8 one-byte strings; ASCII JSON is the common case) at least this long go
// native. bench/json.mjs --crossover (headroom 14, native / JS twin): Latin-1 with 10% accents 1.07x at 512,
// 1.6x at 1 Ki, 2.2x at 4 Ki units; pure ASCII, where V8's own writer is at its best, 0.7-0.8x below 2 Ki and
// 0.9-1.05x from 4 Ki (noise on a shared machine). 4 Ki keeps ASCII at parity and takes the Latin-1 gain.
export const NATIVE_MIN_LATIN1_CHARS = 4096;
// Texts with characters above U+00FF at least this long go native. bench/json.mjs --crossover, two-byte text
// (15% accents, 20% CJK, 5% emoji), headroom 14, native / JS twin: 0.85x at 512, 0.91x at 768, 1.86x at 1.5 Ki,
// 2.2x from 4 Ki; against Buffer.from (encodeJson's JS path): 0.79x at 768, 1.66x at 1 Ki.
export const NATIVE_MIN_TWO_BYTE_CHARS = 1024;

// Matches a character above U+00FF. On a V8 one-byte string the class can never match, and V8's regexp
// compiler knows it: the test costs O(1). On a two-byte string it stops at the first such character.
const ABOVE_LATIN1 = /[^\x00-\xff]/;

/** The native transcoder for `text` if it is long enough to pay for the calls, else null. */
function latin1FlagFor(text: string): boolean | null {
  if (text.length < NATIVE_MIN_TWO_BYTE_CHARS) return null;
  const latin1 = !ABOVE_LATIN1.test(text);
  if (latin1 && text.length < NATIVE_MIN_LATIN1_CHARS) return null;
  return latin1;
}

function utf8Native(binding: JsonNative, text: string, latin1: boolean, headroom: number): Buffer {
  const length = binding.utf8Prepare(text, latin1);
  const out = Buffer.allocUnsafe(headroom + length);
  binding.utf8Commit(out, headroom); // writes every byte after the headroom
  zeroHeadroom(out, headroom);
  return out;
}

/** `headroom` reserved (zeroed) bytes, then the UTF-8 bytes of `text`, in one Buffer. */
export function utf8WithHeadroom(text: string, headroom: number): Buffer {
  checkText(text);
  checkHeadroom(headroom);
  if (jsonNative !== null) {
    const latin1 = latin1FlagFor(text);
    if (latin1 !== null) return utf8Native(jsonNative, text, latin1, headroom);
  }
  return utf8WithHeadroomJs(text, headroom);
}

/**
 * Exactly the bytes of Buffer.from(JSON.stringify(value)). A value with no JSON text (undefined, a function,
 * a symbol) throws TypeError('Value is not JSON-serializable'); BigInt and cycles throw JSON.stringify's TypeError.
 */
export function encodeJson(value: unknown): Buffer {
  // Short texts: nothing but JSON.stringify and Buffer.from on the way (this runs per small response).
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new KrozenTypeError(ErrorCode.NOT_SERIALIZABLE, 'Value is not JSON-serializable'); // as stringifyOrThrow
  if (jsonNative === null || text.length < NATIVE_MIN_TWO_BYTE_CHARS) return Buffer.from(text);
  const latin1 = latin1FlagFor(text);
  return latin1 === null ? Buffer.from(text) : utf8Native(jsonNative, text, latin1, 0);
}

/** `headroom` reserved (zeroed) bytes (for a frame or HTTP header), then the JSON bytes, in one Buffer. */
export function encodeJsonWithHeadroom(value: unknown, headroom: number): Buffer {
  checkHeadroom(headroom);
  return utf8WithHeadroom(stringifyOrThrow(value), headroom);
}
