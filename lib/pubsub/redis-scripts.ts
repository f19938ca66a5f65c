// The Lua scripts behind Redis Stream history (history-redis.ts), run by EVALSHA with an EVAL fallback, on a
// plain node-redis client or a cluster client (which routes a script by its first key: the topic's stream).
import { createHash } from 'node:crypto';
import type { RedisClientLike } from './redis-client';

export interface Script {
  readonly source: string;
  readonly sha: string;
}

function script(source: string): Script {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * Appends to a topic's stream and publishes, atomically. Ids are "<ms>-<n>": ms from Redis's clock (never
 * below the newest entry's), n the topic's message number (the newest entry's + 1), so a reader can tell from
 * two ids how many messages lie between them. The header gets the id's length and the id appended.
 * KEYS[1] stream; ARGV: channel, 16-byte header, payload, max entries, max age ms (0: none), '1' for SPUBLISH.
 */
export const APPEND = script(`
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = 1
if top[1] then
  local lms, ln = string.match(top[1][1], '^(%d+)-(%d+)$')
  n = tonumber(ln) + 1
  if tonumber(lms) > ms then ms = tonumber(lms) end
end
local id = string.format('%d-%d', ms, n)
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], id, 'd', ARGV[3])
local age = tonumber(ARGV[5])
if age > 0 then redis.call('XTRIM', KEYS[1], 'MINID', '~', string.format('%d', ms - age)) end
local cmd = 'PUBLISH'
if ARGV[6] == '1' then cmd = 'SPUBLISH' end
redis.call(cmd, ARGV[1], ARGV[2] .. string.char(#id) .. id .. ARGV[3])
return id
`);

/** Up to ARGV[2] entries after ARGV[1] (an exclusive "(id" or "-"), as [id, payload] pairs. KEYS[1] stream. */
export const RANGE = script(`
local out = {}
for i, e in ipairs(redis.call('XRANGE', KEYS[1], ARGV[1], '+', 'COUNT', ARGV[2])) do
  local d = false
  for j = 1, #e[2], 2 do if e[2][j] == 'd' then d = e[2][j + 1] end end
  out[i] = {e[1], d}
end
return out
`);

/** The newest id of KEYS[1], or nil. */
export const LAST = script(`
local top = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if top[1] then return top[1][1] end
return false
`);

function noScript(err: unknown): boolean {
  return String((err as Error)?.message).startsWith('NOSCRIPT');
}

/** Runs a script by its sha, loading it with EVAL when Redis does not know it (NOSCRIPT). */
export async function runScript(
  client: RedisClientLike,
  s: Script,
  key: string,
  args: Array<string | Buffer>,
): Promise<unknown> {
  const options = { keys: [key], arguments: args };
  try {
    return await client.evalSha(s.sha, options);
  } catch (err) {
    if (!noScript(err)) throw err;
    return client.eval(s.source, options);
  }
}

type ScriptOptions = { keys: string[]; arguments: Array<string | Buffer> };

/**
 * Runs one script on one client in call order (the APPEND script: the order of calls is the order of ids).
 * runScript can reorder pipelined calls: after a NOSCRIPT (a new or restarted Redis), a later EVALSHA runs as
 * soon as an earlier call's fallback EVAL loaded the script, before the other fallbacks. So until an EVAL has
 * succeeded calls go as EVAL, and after a NOSCRIPT new calls wait until every EVALSHA already sent is
 * answered (their fallbacks are sent as the answers come, in order).
 */
export class OrderedScript {
  private loaded = false;
  /** EVALSHAs sent whose fallback may still have to be sent. */
  private inflight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly client: RedisClientLike,
    private readonly s: Script,
  ) {}

  run(key: string, args: Array<string | Buffer>): Promise<unknown> {
    const options = { keys: [key], arguments: args };
    if (this.loaded) return this.viaSha(options);
    if (this.inflight === 0) return this.viaEval(options);
    return new Promise((resolve, reject) => this.waiting.push(() => void this.viaEval(options).then(resolve, reject)));
  }

  private async viaEval(options: ScriptOptions): Promise<unknown> {
    const result = await this.client.eval(this.s.source, options);
    this.loaded = true;
    return result;
  }

  private async viaSha(options: ScriptOptions): Promise<unknown> {
    this.inflight++;
    try {
      return await this.client.evalSha(this.s.sha, options);
    } catch (err) {
      if (!noScript(err)) throw err;
      this.loaded = false;
      return await this.client.eval(this.s.source, options);
    } finally {
      // Sent synchronously, in the order they came: nothing can slip between them.
      if (--this.inflight === 0) for (const send of this.waiting.splice(0)) send();
    }
  }
}
