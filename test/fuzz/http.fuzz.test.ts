// Property-based fuzzing of the HTTP request path on real servers in their own processes (one per transport): mutated requests
// alone and as sequences on one kept-alive connection (good, mutated, maybe good again), ended by a FIN at
// any point. The process never dies, every connection is answered or closed (no hang), every answer is
// well-formed HTTP (read in order as a client frames it: any 100 Continue only between whole responses,
// never ahead of the first request's answer), a request on a new connection is served after each case,
// and no listener faults.
// Then attacks (../helpers/http-attackers.ts: tiny and extension-heavy chunks, 100-continue pipelined
// behind a big or slow answer, clients that never read, stalled next heads) on both transports, against
// servers with short timeouts (../helpers/attack-app.ts): the known shapes as a table, and a property of
// generated ones. Each must end as a sound server ends it, while a health GET on another connection is
// answered within a bound and the server's RSS stays within a bound of where it was when it began.
import * as net from 'node:net';
import fc from 'fast-check';
import { killChild, startChild, type Child } from '../helpers/child';
import { request } from '../helpers/server';
import { HealthWatch } from '../helpers/health-watch';
import { KNOWN_ATTACKS, attackLabel, runAttack, type Attack, type ServerLimits } from '../helpers/http-attackers';
import { interimOrderError, parseResponseStream } from '../helpers/response-stream';
import { handshakeRequest } from '../ws/helpers';
import { fuzz, fuzzTimeout } from './config';

const GOOD = [
  'GET /pid HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /pid?a=1&b=%20 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n',
  'POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":[1,2]}',
  'POST /publish HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{"a":\r\n2\r\n1}\r\n0\r\n\r\n',
  // A late answer and a request that asks for 100 Continue: pipelined, the interim answer must wait its turn.
  'GET /slow?ms=30 HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /publish HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 11\r\nExpect: 100-continue\r\n\r\n{"a":[1,2]}',
  'GET /_internal/health HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n',
  'HEAD /pid HTTP/1.1\r\nHost: x\r\n\r\n',
  'GET /nope HTTP/1.0\r\n\r\n',
  handshakeRequest({ path: '/ws' }),
];

const NASTY = [
  '\0',
  '\r',
  '\n',
  '\r\n',
  '\r\n\r\n',
  ':',
  ' ',
  '\t',
  '%',
  '%zz',
  '\u00ff',
  'Content-Length: 5\r\n',
  'Content-Length: -1\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Connection: close\r\n',
  'Upgrade: websocket\r\n',
  'a'.repeat(20_000),
  'GET / HTTP/1.1\r\n',
  'Expect: 100-continue\r\n',
  'ffffffff\r\n',
];

/** A mutation as data (so a failure's counterexample reads as what was done to the request). */
type Mutation =
  | { set: number; byte: number }
  | { insert: number; text: string }
  | { remove: number; count: number }
  | { repeat: number; count: number };

function mutate(b: Buffer, m: Mutation): Buffer {
  const at = (n: number): number => (b.length === 0 ? 0 : n % (b.length + 1));
  if ('set' in m) {
    const c = Buffer.from(b);
    if (c.length > 0) c[m.set % c.length] = m.byte;
    return c;
  }
  if ('insert' in m)
    return Buffer.concat([b.subarray(0, at(m.insert)), Buffer.from(m.text, 'latin1'), b.subarray(at(m.insert))]);
  if ('remove' in m) return Buffer.concat([b.subarray(0, at(m.remove)), b.subarray(at(m.remove) + m.count)]);
  return Buffer.concat([b.subarray(0, at(m.repeat) + m.count), b.subarray(at(m.repeat))]);
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ set: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ insert: fc.nat(), text: fc.constantFrom(...NASTY) }),
  fc.record({ remove: fc.nat(), count: fc.nat({ max: 40 }) }),
  fc.record({ repeat: fc.nat(), count: fc.nat({ max: 40 }) }),
);

const sequence = fc.record({
  /** Each case goes to one of two servers: the krozen transport and node:http's. */
  transport: fc.constantFrom('krozen' as const, 'node' as const),
  first: fc.constantFrom(...GOOD.slice(0, -1)),
  target: fc.constantFrom(...GOOD),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 3 }),
  after: fc.option(fc.constantFrom(...GOOD.slice(0, -1)), { nil: undefined }),
  finAt: fc.option(fc.nat(), { nil: undefined }),
  pieces: fc.array(fc.nat(), { maxLength: 4 }),
});

interface Outcome {
  closed: boolean;
  received: string;
}

/** Writes `bytes` in pieces, then FIN; resolves once the server closed the connection or `ms` passed. */
function exchange(port: number, bytes: Buffer, cuts: number[], ms: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ closed: false, received: Buffer.concat(chunks).toString('latin1') });
    }, ms);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ closed: true, received: Buffer.concat(chunks).toString('latin1') });
    });
    socket.on('connect', async () => {
      let pos = 0;
      for (const cut of [...cuts].sort((a, b) => a - b)) {
        if (cut <= pos || cut >= bytes.length) continue;
        socket.write(bytes.subarray(pos, cut));
        pos = cut;
        await new Promise((r) => setTimeout(r, 2));
      }
      socket.end(bytes.subarray(pos));
    });
  });
}

/** The status codes answered; what was received must begin with a status line. */
function statusLines(raw: string): number[] {
  if (raw.length > 0 && !raw.startsWith('HTTP/1.'))
    throw new Error(`an answer that is not HTTP: ${JSON.stringify(raw.slice(0, 80))}`);
  return [...raw.matchAll(/HTTP\/1\.[01] (\d{3}) [^\r\n]*\r\n/g)].map((m) => Number(m[1]));
}

/**
 * The answers read in order as a client frames them: well-framed, and a 100 Continue never where the
 * first request's answer belongs unless it asked for one. Skipped when a HEAD was sent (its answer's length
 * describes no body, and which request it was is lost to the mutations).
 */
function checkInterimOrder(sent: string, first: string, received: string): void {
  if (/HEAD/i.test(sent)) return;
  const stream = parseResponseStream(Buffer.from(received, 'latin1'), true);
  if (stream.error !== null) throw new Error(`answers not framed as HTTP: ${stream.error}`);
  // Loosely: node:http honours any Expect value with 100-continue in it as a word ("{100-continue").
  const asks = (text: string): boolean => /100-continue/i.test(text);
  const rest = asks(sent.slice(first.length));
  const order = interimOrderError(stream.responses, [asks(first), rest, rest]);
  if (order !== null) throw new Error(order);
}

const children: Record<'krozen' | 'node', Child> = {} as Record<'krozen' | 'node', Child>;
beforeAll(async () => {
  children.krozen = await startChild({ SHUTDOWN_TIMEOUT: '500', KROZEN_TRANSPORT: 'krozen' });
  children.node = await startChild({ SHUTDOWN_TIMEOUT: '500', KROZEN_TRANSPORT: 'node' });
});
afterAll(async () => {
  await Promise.all([killChild(children.krozen), killChild(children.node)]);
});

test(
  'mutated requests and sequences on one connection, on both transports: answered or closed, the process lives',
  async () => {
    await fuzz(
      'http request path',
      fc.asyncProperty(sequence, async (s) => {
        const child = children[s.transport];
        let target: Buffer = Buffer.from(s.target, 'latin1');
        for (const m of s.mutations) target = mutate(target, m);
        let bytes: Buffer = Buffer.concat([
          Buffer.from(s.first, 'latin1'),
          target,
          Buffer.from(s.after ?? '', 'latin1'),
        ]);
        if (s.finAt !== undefined) bytes = bytes.subarray(0, s.finAt % (bytes.length + 1));
        const outcome = await exchange(
          child.port,
          bytes,
          s.pieces.map((p) => p % (bytes.length + 1)),
          8000,
        );
        expect(outcome.closed).toBe(true);
        const statuses = statusLines(outcome.received);
        for (const st of statuses) expect(st >= 100 && st < 600).toBe(true);
        checkInterimOrder(bytes.toString('latin1'), s.first, outcome.received);
        expect(child.proc.exitCode).toBeNull();
        const health = await request(child.port, { path: '/_internal/health' });
        expect(health.status).toBe(200);
      }),
      60,
    );
    for (const child of Object.values(children))
      expect(child.stderr.join('')).not.toMatch(/internal error|TypeError|RangeError/);
  },
  fuzzTimeout(60_000),
);

// ---- attacks --------------------------------------------------------------------------------------------

/** The attack servers' settings (attack-app.ts env), and the slack on their timers for a busy 2-core machine. */
const LIMITS: ServerLimits = { maxBodySize: 1024 * 1024, sendTimeout: 1000, headersTimeout: 1000, slackMs: 2000 };
/** Health GETs on another connection while an attack runs: each answered within this, ms (stalls seen were 6-10 s). */
const HEALTH_BOUND_MS = 1000;
/** RSS growth allowed during one attack, bytes (sound limits hold about maxBodySize + httpMaxBackpressure). */
const RSS_BOUND = 64 * 1024 * 1024;

const MiB = 1024 * 1024;
const attack: fc.Arbitrary<Attack> = fc.oneof(
  fc.record({
    kind: fc.constant('tiny-chunks' as const),
    chunkBytes: fc.integer({ min: 1, max: 8 }),
    extBytes: fc.constantFrom(0, 0, 3, 100, 1000),
    bodyBytes: fc.oneof(fc.constant('over' as const), fc.integer({ min: 1, max: 65536 })),
  }),
  fc.record({
    kind: fc.constant('continue-behind' as const),
    first: fc.constantFrom('stream' as const, 'slow' as const, 'bytes' as const),
    firstBytes: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 65536, max: 2 * MiB })),
    bodyBytes: fc.integer({ min: 1, max: 65536 }),
  }),
  // Sizes well past the loopback's kernel buffers (a few MiB each way), so the server is left holding.
  fc.oneof(
    fc.integer({ min: 64 * 1024, max: MiB }).map((bytes) => ({
      kind: 'never-read' as const,
      mode: 'pipelined' as const,
      count: Math.ceil((32 * MiB) / bytes),
      bytes,
    })),
    fc
      .integer({ min: 64 * MiB, max: 256 * MiB })
      .map((bytes) => ({ kind: 'never-read' as const, mode: 'download' as const, count: 1, bytes })),
  ),
  fc.record({
    kind: fc.constant('stalled-head' as const),
    first: fc.constantFrom('bytes' as const, 'slow' as const, 'stream' as const),
    firstBytes: fc.oneof(fc.integer({ min: 1, max: 4096 }), fc.integer({ min: 65536, max: 4 * MiB })),
    partial: fc.nat(),
    split: fc.boolean(),
  }),
);

const attackers: Record<'krozen' | 'node', Child> = {} as Record<'krozen' | 'node', Child>;

/** Runs `a` on the `transport` server while watching it: what went wrong (empty: it ended as it should). */
async function attackProblems(transport: 'krozen' | 'node', a: Attack): Promise<string[]> {
  const child = attackers[transport];
  const watch = new HealthWatch(child.port, { memoryPath: '/memory', timeoutMs: 5000 });
  await watch.start();
  const outcome = await runAttack(child.port, a, LIMITS);
  const health = await watch.stop();
  const problems: string[] = [];
  if (!outcome.ok) problems.push(outcome.why);
  if (health.failed > 0 || health.max > HEALTH_BOUND_MS) {
    problems.push(
      `health GETs: ${health.failed} of ${health.probes} unanswered, slowest ${Math.round(health.max)} ms (bound ${HEALTH_BOUND_MS})`,
    );
  }
  if (health.rssPeak - health.rssBase > RSS_BOUND) {
    problems.push(
      `server RSS ${Math.round(health.rssBase / MiB)} -> ${Math.round(health.rssPeak / MiB)} MiB during the attack (bound +${RSS_BOUND / MiB})`,
    );
  }
  if (child.proc.exitCode !== null) problems.push(`the ${transport} server died: ${child.stderr.join('').slice(-300)}`);
  return problems;
}

describe('attacks', () => {
  beforeAll(async () => {
    const env = {
      SEND_TIMEOUT: String(LIMITS.sendTimeout),
      HEADERS_TIMEOUT: String(LIMITS.headersTimeout),
      MAX_BODY: String(LIMITS.maxBodySize),
    };
    attackers.krozen = await startChild({ ...env, KROZEN_TRANSPORT: 'krozen' }, 20000, './test/helpers/attack-app.ts');
    attackers.node = await startChild({ ...env, KROZEN_TRANSPORT: 'node' }, 20000, './test/helpers/attack-app.ts');
  });
  afterAll(async () => {
    await Promise.all([killChild(attackers.krozen), killChild(attackers.node)]);
    for (const child of Object.values(attackers))
      expect(child.stderr.join('')).not.toMatch(/internal error|TypeError|RangeError/);
  });

  // Every known shape on both transports, every run (a few generated cases alone would miss some).
  const table = KNOWN_ATTACKS.flatMap((a) => (['krozen', 'node'] as const).map((t) => [t, attackLabel(a), a] as const));
  test.each(table)(
    '%s: %s',
    async (transport, _label, a) => {
      expect(await attackProblems(transport, a)).toEqual([]);
    },
    60_000,
  );

  test(
    'generated attacks on both transports end as a sound server ends them; health answered and RSS bounded meanwhile',
    async () => {
      const cases = fc.noShrink(fc.record({ transport: fc.constantFrom('krozen' as const, 'node' as const), attack }));
      await fuzz(
        'http attacks',
        fc.asyncProperty(cases, async ({ transport, attack: a }) => {
          const problems = await attackProblems(transport, a);
          if (problems.length > 0) throw new Error(`${transport}: ${problems.join('; ')}`);
        }),
        8,
      );
    },
    fuzzTimeout(240_000),
  );
});
