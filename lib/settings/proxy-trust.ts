// settings.trustProxy and settings.requestId: their shapes, their rules, and the trust function compiled
// once per value (proxy-addr does the address matching; a hop count and true are ours, as Express does).
import proxyaddr from 'proxy-addr';
import { rule } from './rules';

/**
 * Which peers may tell krozen who the client is (X-Forwarded-For / Forwarded and their proto and host):
 * false (none: the socket's peer is the client), true (every hop), a hop count (the nearest n peers), or
 * addresses / CIDR ranges (a list, or one string with commas), with the names 'loopback', 'linklocal' and
 * 'uniquelocal' for their ranges.
 */
export type TrustProxySetting = boolean | number | string | readonly string[];

/** settings.requestId's object form. */
export interface RequestIdOptions {
  /** The header the id is read from (with trustHeader) and echoed in: 'x-request-id' by default. */
  header?: string;
  /** Take the client's (or proxy's) id from `header` when it is sane (1–128 visible ASCII characters). */
  trustHeader?: boolean;
  /** Makes a new id (default: a random per-process prefix and a counter, e.g. `k7Qm2xT9aBcd-1a`). */
  generate?: () => string;
}

/** false (the default): no ids; true: ids with the defaults; or the options. */
export type RequestIdSetting = boolean | RequestIdOptions;

/** (address, hop index from the socket, 0 = the socket's peer) → may this hop be believed. */
export type TrustFn = (address: string, hop: number) => boolean;

const never: TrustFn = () => false;
const always: TrustFn = () => true;
const compiled = new Map<unknown, TrustFn>();
const compiledLists = new WeakMap<object, TrustFn>();

/** The trust function of a trustProxy value, compiled once per value (a list: once per list object). */
export function compileTrust(value: TrustProxySetting | undefined): TrustFn {
  if (value === undefined || value === false || value === 0) return never;
  if (value === true) return always;
  if (typeof value === 'number') return (_, hop) => hop < value;
  if (Array.isArray(value)) {
    let fn = compiledLists.get(value);
    if (fn === undefined) compiledLists.set(value, (fn = proxyaddr.compile(value.map((s: string) => s.trim()))));
    return fn;
  }
  let fn = compiled.get(value);
  if (fn === undefined) {
    const list = (value as string)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    compiled.set(value, (fn = list.length === 0 ? never : proxyaddr.compile(list)));
  }
  return fn;
}

function compiles(value: unknown): boolean {
  try {
    compileTrust(value as TrustProxySetting);
    return true;
  } catch {
    return false; // proxy-addr: "invalid IP address", "invalid range on address"
  }
}

export const trustProxyRule = rule(
  (v) =>
    typeof v === 'boolean' ||
    (Number.isInteger(v) && (v as number) >= 0) ||
    ((typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string'))) && compiles(v)),
  "false, true, a hop count (integer >= 0), or addresses / CIDR ranges ('loopback', 'linklocal', " +
    "'uniquelocal', '10.0.0.0/8', a list or one string with commas)",
);

/** A header name (RFC 9110 token characters). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export const requestIdRule = rule((v) => {
  if (typeof v === 'boolean') return true;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  if (Object.keys(o).some((k) => k !== 'header' && k !== 'trustHeader' && k !== 'generate')) return false;
  return (
    (o.header === undefined || (typeof o.header === 'string' && HEADER_NAME.test(o.header))) &&
    (o.trustHeader === undefined || typeof o.trustHeader === 'boolean') &&
    (o.generate === undefined || typeof o.generate === 'function')
  );
}, 'true, false or { header?: a header name; trustHeader?: boolean; generate?: () => string }');
