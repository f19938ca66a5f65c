// Request ids (settings.requestId): each request (and WebSocket upgrade) gets one, taken from a trusted
// header when asked and sane, else made here. Made ids are a per-process random prefix and a counter: as
// unique as a UUID across processes for practical purposes, and a string concatenation per request.
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestIdSetting } from '../settings/index';

export interface RequestIdConfig {
  /** Lower-case header name, read (trustHeader) and echoed. */
  readonly header: string;
  readonly trustHeader: boolean;
  readonly generate: () => string;
}

// 72 random bits per process (cluster workers and restarts differ), then a base-36 counter.
const PREFIX = randomBytes(9).toString('base64url') + '-';
let counter = 0;

/** The default id maker: `<12 random base64url chars>-<counter in base 36>`. */
export function nextRequestId(): string {
  counter = counter === Number.MAX_SAFE_INTEGER ? 1 : counter + 1;
  return PREFIX + counter.toString(36);
}

const DEFAULT_CONFIG: RequestIdConfig = { header: 'x-request-id', trustHeader: false, generate: nextRequestId };
const configs = new WeakMap<object, RequestIdConfig>();

/** The config of a settings.requestId value (undefined when off), made once per object. */
export function requestIdConfig(setting: RequestIdSetting | undefined): RequestIdConfig | undefined {
  if (setting === undefined || setting === false) return undefined;
  if (setting === true) return DEFAULT_CONFIG;
  let config = configs.get(setting);
  if (config === undefined) {
    config = {
      header: (setting.header ?? DEFAULT_CONFIG.header).toLowerCase(),
      trustHeader: setting.trustHeader === true,
      generate: setting.generate ?? nextRequestId,
    };
    configs.set(setting, config);
  }
  return config;
}

/** Visible ASCII, 1 to 128 characters: safe to echo in a header and to write in a log line. */
const SANE_ID = /^[\x21-\x7e]{1,128}$/;

/** The request's id: the header's value when trusted and sane, else a new one. */
export function requestIdFor(config: RequestIdConfig, headers: IncomingHttpHeaders): string {
  if (config.trustHeader) {
    const sent = headers[config.header];
    if (typeof sent === 'string' && SANE_ID.test(sent)) return sent;
  }
  const made = config.generate();
  // A user's generator that returns something unsafe to echo falls back to ours rather than break the head.
  return typeof made === 'string' && SANE_ID.test(made) ? made : nextRequestId();
}

/** A JSON error body krozen made, with `requestId` added (a body that is not a plain object is left alone). */
export function withRequestId(body: unknown, id: string | undefined): unknown {
  if (id === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  if (Object.getPrototypeOf(body) !== Object.prototype || 'requestId' in body) return body;
  return { ...(body as Record<string, unknown>), requestId: id };
}
