// PLACEHOLDER (replaced by the native-json work): JSON.stringify + Buffer only.
export type JsonBackend = 'native' | 'js';
export const jsonBackend: JsonBackend = 'js';

/** Exactly the bytes of Buffer.from(JSON.stringify(value)). */
export function encodeJson(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value) as string);
}

/** `headroom` reserved bytes (for a frame or HTTP header), then the JSON bytes, in one Buffer. */
export function encodeJsonWithHeadroom(value: unknown, headroom: number): Buffer {
  return utf8WithHeadroom(JSON.stringify(value) as string, headroom);
}

/** `headroom` reserved bytes, then the UTF-8 bytes of `text`, in one Buffer. */
export function utf8WithHeadroom(text: string, headroom: number): Buffer {
  const out = Buffer.allocUnsafe(headroom + Buffer.byteLength(text));
  out.fill(0, 0, headroom);
  out.write(text, headroom);
  return out;
}
