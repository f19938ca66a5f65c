// Attackers on the HTTP/1.1 server (issue 19's class: a connection that costs the server far more than it
// sends, or that one misbehaving client turns into a stall or wrong bytes for others). Each runs one raw
// connection against a server with the routes of ./attack-routes.js (./attack-app.ts, bench/soak/server.mjs),
// bounded in time, and says whether the connection ended the way a sound server ends it:
//   tiny-chunks      a chunked body in 1..8-byte chunks, optionally with long chunk extensions: under the
//                    body limit it is read whole (200, right length and sum; or 413 and close once the
//                    extensions pass 16 KiB); past it, 413 and close before 8x maxBodySize has gone on the
//                    wire (framing and extensions count as cost too).
//   continue-behind  GET (a streamed, slow or whole big answer) pipelined with a POST that sends
//                    Expect: 100-continue: response 1 intact, the 100 (if any) only after it, response 2 right.
//   never-read       pipelined GETs, or one big streamed download, and the client never reads: the server
//                    closes the connection within sendTimeout + slack of the stall.
//   stalled-head     request 1 whole, request 2's head cut short, then nothing: response 1 whole and right,
//                    then a 408 or a close within headersTimeout + slack.
// Used by test/fuzz/http.fuzz.test.ts (generated parameters, both transports) and bench/soak.mjs (mixed in).
import { Wire } from './wire';
import { patternBytes, patternMismatch } from './byte-pattern';
import { interimOrderError, parseResponseStream, type StreamedResponse } from './response-stream';

export type Attack =
  | { kind: 'tiny-chunks'; chunkBytes: number; extBytes: number; bodyBytes: number | 'over' }
  | { kind: 'continue-behind'; first: 'stream' | 'slow' | 'bytes'; firstBytes: number; bodyBytes: number }
  | { kind: 'never-read'; mode: 'pipelined' | 'download'; count: number; bytes: number }
  | { kind: 'stalled-head'; first: 'bytes' | 'slow' | 'stream'; firstBytes: number; partial: number; split: boolean };

export type AttackKind = Attack['kind'];

/** The server's settings the expectations depend on, and the slack allowed on its timers, ms. */
export interface ServerLimits {
  maxBodySize: number;
  sendTimeout: number;
  headersTimeout: number;
  slackMs: number;
}

export interface AttackOutcome {
  kind: AttackKind;
  ok: boolean;
  /** What happened (why it failed, or how it ended). */
  why: string;
  ms: number;
}

const MiB = 1024 * 1024;
/**
 * The known shapes of the class, one or more per kind (the fuzz table runs each on both transports; the
 * soak's attackers cycle through their kind's). Sizes past the loopback's kernel buffers where it matters.
 */
export const KNOWN_ATTACKS: readonly Attack[] = [
  { kind: 'tiny-chunks', chunkBytes: 1, extBytes: 0, bodyBytes: 'over' },
  { kind: 'tiny-chunks', chunkBytes: 1, extBytes: 1000, bodyBytes: 'over' },
  { kind: 'tiny-chunks', chunkBytes: 3, extBytes: 100, bodyBytes: 'over' },
  { kind: 'tiny-chunks', chunkBytes: 1, extBytes: 0, bodyBytes: 65536 },
  { kind: 'tiny-chunks', chunkBytes: 2, extBytes: 1000, bodyBytes: 1500 },
  { kind: 'continue-behind', first: 'stream', firstBytes: MiB, bodyBytes: 4096 },
  { kind: 'continue-behind', first: 'slow', firstBytes: 1000, bodyBytes: 1000 },
  { kind: 'continue-behind', first: 'bytes', firstBytes: 2 * MiB, bodyBytes: 4096 },
  { kind: 'never-read', mode: 'pipelined', count: 512, bytes: 65536 },
  { kind: 'never-read', mode: 'download', count: 1, bytes: 64 * MiB },
  { kind: 'stalled-head', first: 'bytes', firstBytes: 1000, partial: 10, split: false },
  { kind: 'stalled-head', first: 'slow', firstBytes: 1000, partial: 30, split: true },
  { kind: 'stalled-head', first: 'stream', firstBytes: 4 * MiB, partial: 50, split: false },
];

/** An attack in a few words (for test names and soak output). */
export function attackLabel(a: Attack): string {
  const { kind, ...rest } = a;
  return `${kind} ${Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')}`;
}

/** Runs `attack` on 127.0.0.1:`port`; never rejects, always ends (every wait is bounded). */
export async function runAttack(port: number, attack: Attack, limits: ServerLimits): Promise<AttackOutcome> {
  const t0 = performance.now();
  let result: { ok: boolean; why: string };
  try {
    switch (attack.kind) {
      case 'tiny-chunks':
        result = await tinyChunks(port, attack, limits);
        break;
      case 'continue-behind':
        result = await continueBehind(port, attack);
        break;
      case 'never-read':
        result = await neverRead(port, attack, limits);
        break;
      case 'stalled-head':
        result = await stalledHead(port, attack, limits);
        break;
    }
  } catch (err) {
    result = { ok: false, why: `attacker error: ${(err as Error).message}` };
  }
  return { kind: attack.kind, ...result, ms: Math.round(performance.now() - t0) };
}

const pass = (why: string): { ok: boolean; why: string } => ({ ok: true, why });
const fail = (why: string): { ok: boolean; why: string } => ({ ok: false, why });
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const X_SUM = 0x78; // 'x'
/** Chunk-extension bytes in a body within the limit past which a 413 is a fair answer too (llhttp's cap). */
const EXT_CAP_FLOOR = 16 * 1024;

function describe(r: StreamedResponse | undefined): string {
  if (r === undefined) return 'none';
  return `${r.status} (${r.body.length} bytes${r.body.length <= 80 ? `: ${JSON.stringify(r.body.toString('latin1'))}` : ''})`;
}

// ---- tiny-chunks --------------------------------------------------------------------------------------

async function tinyChunks(port: number, a: Extract<Attack, { kind: 'tiny-chunks' }>, limits: ServerLimits) {
  const wire = new Wire(port);
  try {
    const ext = a.extBytes >= 3 ? `;e=${'v'.repeat(a.extBytes - 3)}` : '';
    const chunk = (n: number): string => `${n.toString(16)}${ext}\r\n${'x'.repeat(n)}\r\n`;
    const one = chunk(a.chunkBytes);
    await wire.write(
      'POST /sink HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n',
    );
    const perBlock = Math.max(1, Math.floor(65536 / one.length));
    const block = Buffer.from(one.repeat(perBlock), 'latin1');
    const reacted = (): boolean => wire.received > 0 || wire.closed;
    if (a.bodyBytes !== 'over') {
      // Under the limit (and at most 2 MiB on the wire): the whole body goes, then its end; the answer must
      // count every byte.
      const n = Math.max(
        1,
        Math.min(a.bodyBytes, limits.maxBodySize, Math.floor((2 << 20) / one.length) * a.chunkBytes),
      );
      const whole = Math.floor(n / a.chunkBytes);
      for (let i = 0; i < whole && !reacted(); i += perBlock) {
        await wire.write(i + perBlock <= whole ? block : Buffer.from(one.repeat(whole - i), 'latin1'));
      }
      if (!reacted()) await wire.write(`${n % a.chunkBytes > 0 ? chunk(n % a.chunkBytes) : ''}0\r\n\r\n`);
      await wire.until(() => parseResponseStream(wire.bytes(), wire.closed).responses.length > 0, 10_000);
      const [res] = parseResponseStream(wire.bytes(), wire.closed).responses;
      const want = JSON.stringify({ bytes: n, sum: (n * X_SUM) >>> 0 });
      const how = `${n} body bytes in ${a.chunkBytes}-byte chunks (ext ${a.extBytes})`;
      if (res === undefined) return fail(`${how}: no answer in 10 s${wire.closed ? ' (closed)' : ''}`);
      // A server may cap extension bytes below the body limit (llhttp: 16 KiB a message): 413 and close then.
      const extTotal = Math.ceil(n / a.chunkBytes) * ext.length;
      if (res.status === 413 && extTotal > EXT_CAP_FLOOR) {
        await wire.until(() => wire.closed, 5000);
        return wire.closed
          ? pass(`${how}: 413 for ${extTotal} extension bytes, closed`)
          : fail(`${how}: 413 but the connection stayed open 5 s`);
      }
      if (res.status !== 200 || res.body.toString() !== want)
        return fail(`${how}: answer ${describe(res)}, want 200 ${want}`);
      return pass(`${how}: 200, counted right`);
    }
    // Over the limit: keep sending until the server answers or closes, for at most 8x the limit on the wire.
    const wireCap = 8 * limits.maxBodySize + 65536;
    let sent = 0;
    const deadline = performance.now() + 30_000;
    while (!reacted() && sent < wireCap && performance.now() < deadline) {
      await wire.write(block);
      sent += block.length;
    }
    const bodySent = Math.floor(sent / one.length) * a.chunkBytes;
    // What was sent may still sit in kernel buffers: the server gets 10 s to read its way to the limit.
    const sentAt = performance.now();
    await wire.until(reacted, 10_000);
    if (!reacted()) {
      return fail(
        `no answer ${Math.round(performance.now() - sentAt)} ms after ${sent} wire bytes (${bodySent} body bytes in ${a.chunkBytes}-byte chunks, ` +
          `ext ${a.extBytes}; limit ${limits.maxBodySize})`,
      );
    }
    await wire.until(() => wire.closed, 5000);
    const stream = parseResponseStream(wire.bytes(), wire.closed);
    const [res] = stream.responses;
    const how = `after ${sent} wire bytes (${bodySent} body bytes in ${a.chunkBytes}-byte chunks, ext ${a.extBytes})`;
    if (stream.error !== null) return fail(`${how}: ${stream.error}`);
    if (res === undefined || res.status !== 413)
      return fail(`${how}: answer ${describe(res)}${wire.closed ? ', closed' : ''}, want 413 and close`);
    if (!wire.closed) return fail(`${how}: 413 but the connection stayed open 5 s`);
    return pass(`${how}: 413, closed`);
  } finally {
    wire.destroy();
  }
}

// ---- continue-behind ----------------------------------------------------------------------------------

async function continueBehind(port: number, a: Extract<Attack, { kind: 'continue-behind' }>) {
  const wire = new Wire(port);
  try {
    const first =
      a.first === 'stream'
        ? `/stream?n=${a.firstBytes}`
        : a.first === 'slow'
          ? `/slow?ms=300&n=${a.firstBytes}`
          : `/bytes?n=${a.firstBytes}`;
    const body = patternBytes(0, a.bodyBytes);
    let sum = 0;
    for (const b of body) sum = (sum + b) >>> 0;
    await wire.write(
      `GET ${first} HTTP/1.1\r\nHost: x\r\n\r\n` +
        `POST /sink HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: ${a.bodyBytes}\r\nExpect: 100-continue\r\n\r\n`,
    );
    // The body goes on the 100, or (as RFC 9110 §10.1.1 lets a client) 1 s after response 1 without one.
    let firstDoneAt = 0;
    // Broken framing (an interim answer inside a body) counts as "done": nothing more can be read.
    const finals = (): number => {
      const s = parseResponseStream(wire.bytes(), wire.closed);
      return s.error !== null ? 2 : s.responses.filter((r) => r.status >= 200).length;
    };
    const sawContinue = (): boolean =>
      parseResponseStream(wire.bytes(), wire.closed).responses.some((r) => r.status === 100);
    const deadline = performance.now() + 15_000;
    let bodySent = false;
    while (!wire.closed && performance.now() < deadline && finals() < 2) {
      if (!bodySent && (sawContinue() || (firstDoneAt > 0 && performance.now() - firstDoneAt > 1000))) {
        bodySent = true;
        await wire.write(body);
      }
      await wire.until(() => wire.closed || finals() >= 2 || (!bodySent && sawContinue()), 200);
      if (firstDoneAt === 0 && finals() >= 1) firstDoneAt = performance.now();
    }
    const stream = parseResponseStream(wire.bytes(), wire.closed);
    const how = `GET ${first} then POST ${a.bodyBytes} bytes with Expect: 100-continue`;
    if (stream.error !== null) return fail(`${how}: ${stream.error}`);
    const order = interimOrderError(stream.responses, [false, true]);
    if (order !== null) return fail(`${how}: ${order}`);
    const [r1, r2] = stream.responses.filter((r) => r.status >= 200);
    if (r1 === undefined || r1.status !== 200 || r1.body.length !== a.firstBytes)
      return fail(`${how}: response 1 ${describe(r1)}, want 200 with ${a.firstBytes} bytes`);
    const bad = patternMismatch(r1.body);
    if (bad !== -1)
      return fail(
        `${how}: response 1's body is wrong from byte ${bad}: ${JSON.stringify(r1.body.subarray(bad, bad + 40).toString('latin1'))}`,
      );
    const want = JSON.stringify({ bytes: a.bodyBytes, sum });
    if (r2 === undefined || r2.status !== 200 || r2.body.toString() !== want)
      return fail(`${how}: response 2 ${describe(r2)}, want 200 ${want}`);
    return pass(
      `${how}: both right, ${stream.responses.some((r) => r.status === 100) ? '100 after response 1' : 'no 100'}`,
    );
  } finally {
    wire.destroy();
  }
}

// ---- never-read -----------------------------------------------------------------------------------------

async function neverRead(port: number, a: Extract<Attack, { kind: 'never-read' }>, limits: ServerLimits) {
  const wire = new Wire(port, true);
  try {
    const total = a.mode === 'pipelined' ? a.count * a.bytes : a.bytes;
    const how =
      a.mode === 'pipelined'
        ? `${a.count} pipelined GETs of ${a.bytes} bytes, never read`
        : `a ${a.bytes}-byte streamed download, never read`;
    const request =
      a.mode === 'pipelined'
        ? `GET /bytes?n=${a.bytes} HTTP/1.1\r\nHost: x\r\n\r\n`.repeat(a.count)
        : `GET /stream?n=${a.bytes} HTTP/1.1\r\nHost: x\r\n\r\n`;
    await wire.write(request);
    // The kernel buffers fill within milliseconds; after that the server makes no progress. By the
    // checkpoint it must have given up on the connection.
    const checkpoint = limits.sendTimeout + limits.slackMs;
    await sleep(checkpoint);
    // Read now: a closed connection yields what the kernels held, then its end; an open one goes on sending.
    wire.socket.resume();
    await wire.until(() => wire.closed || wire.received >= total, 3000);
    if (wire.closed && wire.received < total) {
      return pass(
        `${how}: closed by the server within ${checkpoint} ms (${wire.received} of ${total} bytes had been sent${wire.error ? `, ${wire.error}` : ''})`,
      );
    }
    if (wire.closed)
      return fail(`${how}: the server sent all ${total} bytes (the attack did not stall it: raise the sizes)`);
    return fail(
      `${how}: still open ${checkpoint} ms after the client stopped reading (sendTimeout ${limits.sendTimeout}); ` +
        `on reading, ${wire.received} of ${total} bytes came in 3 s and the connection stayed open`,
    );
  } finally {
    wire.destroy();
  }
}

// ---- stalled-head --------------------------------------------------------------------------------------

async function stalledHead(port: number, a: Extract<Attack, { kind: 'stalled-head' }>, limits: ServerLimits) {
  const wire = new Wire(port);
  try {
    const slowMs = Math.round(limits.headersTimeout * 1.5);
    const first =
      a.first === 'stream'
        ? `/stream?n=${a.firstBytes}`
        : a.first === 'slow'
          ? `/slow?ms=${slowMs}&n=${a.firstBytes}`
          : `/bytes?n=${a.firstBytes}`;
    const next = `GET /pid HTTP/1.1\r\nHost: x\r\nX-Pad: ${'p'.repeat(48)}\r\n\r\n`;
    const cut = next.slice(0, 1 + (a.partial % (next.length - 1)));
    const how = `GET ${first}, then ${cut.length} of ${next.length} bytes of the next head`;
    const t0 = performance.now();
    if (a.split) {
      await wire.write(`GET ${first} HTTP/1.1\r\nHost: x\r\n\r\n`);
      await sleep(20);
      await wire.write(cut);
    } else {
      await wire.write(`GET ${first} HTTP/1.1\r\nHost: x\r\n\r\n${cut}`);
    }
    const firstDone = (): boolean => parseResponseStream(wire.bytes(), wire.closed).responses.length >= 1;
    const within = (a.first === 'slow' ? slowMs : 0) + limits.headersTimeout + 2 * limits.slackMs + 5000;
    await wire.until(firstDone, within);
    const t1 = performance.now();
    await wire.until(() => wire.closed, Math.max(0, t0 + within - performance.now()));
    const stream = parseResponseStream(wire.bytes(), wire.closed);
    if (stream.error !== null) return fail(`${how}: ${stream.error}`);
    const [r1, ...after] = stream.responses;
    if (r1 === undefined)
      return fail(
        `${how}: response 1 ${wire.closed ? 'cut: the connection closed' : 'missing'} after ${Math.round(performance.now() - t0)} ms (${wire.received} bytes received)`,
      );
    if (r1.status !== 200 || r1.body.length !== a.firstBytes || patternMismatch(r1.body) !== -1)
      return fail(`${how}: response 1 ${describe(r1)}, want 200 with ${a.firstBytes} pattern bytes`);
    if (after.length > 1 || (after.length === 1 && after[0].status !== 408))
      return fail(`${how}: after response 1, ${after.map(describe).join(', ')} (want nothing or a 408)`);
    if (!wire.closed)
      return fail(
        `${how}: still open ${Math.round(performance.now() - t1)} ms after response 1 (headersTimeout ${limits.headersTimeout})`,
      );
    const late = (wire.closedAt as number) - t1;
    if (late > limits.headersTimeout + limits.slackMs)
      return fail(
        `${how}: closed ${Math.round(late)} ms after response 1 (headersTimeout ${limits.headersTimeout} + slack ${limits.slackMs})`,
      );
    return pass(
      `${how}: response 1 whole, then ${after.length === 1 ? '408 and ' : ''}closed ${Math.round((wire.closedAt as number) - t0)} ms after the head began`,
    );
  } finally {
    wire.destroy();
  }
}
