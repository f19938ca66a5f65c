// What a request body costs beyond its length, on both transports (issue 19): a body of 1-byte chunks is
// held coalesced and charged per piece against the limit, chunk extensions cannot stream for a gigabyte
// before the 413, and a GET on another connection is answered while such bodies arrive. Memory and
// latency are measured on a server in a child process (./helpers/body-cost-app.ts): the clients here
// share neither its event loop nor its heap.
import * as net from 'node:net';
import type { App } from '../../lib/app';
import type { Settings } from '../../lib/settings/index';
import { parseResponses, rawRequest, startApp, type Running } from '../helpers/server';
import { killChild, startChild, type Child } from '../helpers/child';

const TRANSPORTS = ['node', 'krozen'] as const;
const MiB = 1024 * 1024;

jest.setTimeout(60_000);

function routes(app: App): void {
  app.get('/health', () => ({ body: { ok: true } }));
  app.post('/echo', (req) => ({ body: { length: (req.body as Buffer).length } }));
  // Reads req.raw in flowing mode (as pipe() does: uploads), counting its 'data' events.
  app.post(
    '/stream',
    async (req) => {
      let length = 0;
      let events = 0;
      await new Promise((resolve) => {
        req.raw.on('data', (piece: Buffer) => {
          length += piece.length;
          events++;
        });
        req.raw.on('end', resolve);
      });
      return { body: { length, events } };
    },
    { rawBody: true },
  );
}

function start(transport: string): Promise<Running> {
  return startApp(routes, { transport: transport as Settings['transport'] });
}

const HEAD =
  'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n';

interface Sent {
  /** What the server sent back (until it closed, or 300 ms of silence after the body). */
  response: string;
  /** Body bytes the kernel had taken from us when the first byte of the answer came (or at the end). */
  wireBytes: number;
  /** The connection was reset (or our write failed on it). */
  reset: boolean;
}

/** What goes around the repeated chunks: the head, and whole chunks before and after them. */
interface Frame {
  head: string;
  before: string;
  after: string;
}

const ECHO: Frame = { head: HEAD, before: '', after: '' };

/** One chunk of `text` (empty: nothing). */
function chunk(text: string): string {
  return text === '' ? '' : `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
}

interface SendOptions {
  maxMs?: number;
  maxBytes?: number;
  frame?: Frame;
  /** Pause 2 ms after each write (default): see below. Unpaced, the writes go as fast as the server takes them. */
  paced?: boolean;
}

/**
 * Sends the head, then `record` `count` times (in writes of about 16 KiB, each read whole by one server
 * read), then the last chunk; stops writing as soon as the server answers, or after `maxMs` / `maxBytes`.
 */
function sendChunks(port: number, record: Buffer, count: number, options: SendOptions = {}): Promise<Sent> {
  const { maxMs = 10_000, maxBytes = 256 * MiB, frame = ECHO, paced = true } = options;
  const perBatch = Math.max(1, Math.floor((16 * 1024) / record.length));
  const batch = Buffer.concat(Array.from({ length: perBatch }, () => record));
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let flushed = 0;
    let answeredAt = -1;
    let finished = false;
    let reset = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      socket.destroy();
      resolve({
        response: Buffer.concat(received).toString('latin1'),
        wireBytes: answeredAt === -1 ? flushed : answeredAt,
        reset,
      });
    };
    let idle: NodeJS.Timeout | undefined;
    socket.on('data', (c) => {
      if (answeredAt === -1) answeredAt = flushed;
      received.push(c);
      clearTimeout(idle);
      idle = setTimeout(finish, 300);
    });
    socket.on('close', finish);
    socket.on('error', () => {
      reset = true;
    });
    socket.on('connect', async () => {
      const deadline = Date.now() + maxMs;
      socket.write(frame.head + chunk(frame.before));
      let left = count;
      while (left > 0 && answeredAt === -1 && !socket.destroyed && Date.now() < deadline && flushed < maxBytes) {
        const n = Math.min(left, perBatch);
        const piece = n === perBatch ? batch : batch.subarray(0, n * record.length);
        left -= n;
        const more = socket.write(piece, (err) => {
          if (!err) flushed += piece.length;
        });
        if (!more) await new Promise((r) => socket.once('drain', r));
        // A pause after each write: the server reads it all before we write again, so its answer is mostly
        // seen before more bytes arrive at a socket it may have closed (node:http closes it right after a
        // 413: bytes it has not read draw a reset, and the reset drops the answer we have not read yet).
        await new Promise((r) => (paced ? setTimeout(r, 2) : setImmediate(r)));
      }
      if (left === 0 && !socket.destroyed) socket.write(`${chunk(frame.after)}0\r\n\r\n`);
      clearTimeout(idle);
      idle = setTimeout(finish, answeredAt === -1 && left === 0 ? 5000 : 300);
    });
  });
}

const ONE_BYTE = Buffer.from('1\r\nx\r\n');
/** A 1-byte chunk whose size line carries ~1000 bytes of extension (under krozen's 1 KiB line bound). */
const ONE_BYTE_WITH_EXTENSION = Buffer.from(`1;e=${'a'.repeat(990)}\r\nx\r\n`);

/**
 * A 413 with its JSON error and `connection: close`. On node:http the answer may be lost: it closes the
 * socket with our later bytes unread, and the reset that draws can drop the answer before we read it
 * (krozen reads and drops until the client closes). There a reset with no answer counts as the refusal.
 */
function expect413(sent: Sent, transport: string): void {
  if (transport === 'node' && sent.response === '' && sent.reset) return;
  const [res] = parseResponses(sent.response);
  expect(res?.status).toBe(413);
  expect(res.headers.connection).toBe('close');
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  expect(typeof JSON.parse(res.body).error).toBe('string');
}

describe.each(TRANSPORTS)('%s transport', (transport) => {
  test('1 MB of 1-byte chunks under a 1 MiB limit: 413 (their framing counts) after about 1 MB on the wire', async () => {
    const app = await start(transport);
    try {
      const sent = await sendChunks(app.port, ONE_BYTE, 1_000_000);
      expect413(sent, transport);
      // ~175k pieces reach the limit: ~1 MB of 6-byte records, plus what was in flight when it answered.
      expect(sent.wireBytes).toBeLessThan(4 * MiB);
      if (process.env.KROZEN_BODY_COST_REPORT === '1')
        console.log(transport, '1-byte chunks: wire bytes before 413', sent.wireBytes);
    } finally {
      await app.stop();
    }
  });

  test('1-byte chunks with ~1000-byte extensions: 413 after a bounded number of wire bytes', async () => {
    const app = await start(transport);
    try {
      const sent = await sendChunks(app.port, ONE_BYTE_WITH_EXTENSION, 1_000_000, { maxMs: 15_000 });
      expect413(sent, transport);
      if (process.env.KROZEN_BODY_COST_REPORT === '1')
        console.log(transport, 'extensions: wire bytes before 413', sent.wireBytes);
      // krozen counts the extensions (413 once they outweigh the data past 16 KiB); node:http bounds them
      // per chunk only, so there the socket's bytes read are checked against the same rule (node-chunk-budget.ts).
      expect(sent.wireBytes).toBeLessThan(4 * MiB);
    } finally {
      await app.stop();
    }
  });
});

/** The body-cost app in a child process, with `env`. */
function startMeasured(transport: string, env: Record<string, string> = {}): Promise<Child> {
  return startChild({ TRANSPORT: transport, ...env }, 20_000, './test/helpers/body-cost-app.ts');
}

async function getJson(port: number, path: string): Promise<Record<string, number>> {
  const [res] = parseResponses(
    await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 10_000),
  );
  return JSON.parse(res.body);
}

/** Peak RSS growth of the child while `work` runs. */
async function childRssGrowth(port: number, work: () => Promise<void>): Promise<number> {
  await getJson(port, '/rss/mark');
  await work();
  return (await getJson(port, '/rss')).growth;
}

// node:http gives req.raw one 'data' event per chunk (its IncomingMessage, not ours to change).
test('krozen: a streamed body (req.raw) of 1-byte chunks reaches the reader in slabs, not a piece per byte', async () => {
  const app = await start('krozen');
  try {
    const stream: Frame = { head: HEAD.replace('/echo', '/stream'), before: '', after: '' };
    const sent = await sendChunks(app.port, ONE_BYTE, 200_000, { frame: stream });
    const [res] = parseResponses(sent.response);
    expect(res?.status).toBe(200);
    const { length, events } = JSON.parse(res.body);
    expect(length).toBe(200_000);
    if (process.env.KROZEN_BODY_COST_REPORT === '1')
      console.log('krozen req.raw data events for 200k 1-byte chunks', events);
    expect(events).toBeLessThan(2000);
  } finally {
    await app.stop();
  }
});

describe.each(TRANSPORTS)('%s transport, server in a child process', (transport) => {
  // The bounds: before coalescing these grew the child by ~160 MB (krozen) and ~440 MB (node:http); after,
  // 10-45 MB depending on the Node line (Node 26's upload path measured 42 MB).
  test('a limit that admits it: 1 MB of 1-byte chunks is held coalesced (bounded RSS growth)', async () => {
    const child = await startMeasured(transport, { MAX_BODY_SIZE: String(256 * MiB) });
    try {
      let sent: Sent | undefined;
      const growth = await childRssGrowth(child.port, async () => {
        sent = await sendChunks(child.port, ONE_BYTE, 1_000_000);
      });
      const [res] = parseResponses((sent as Sent).response);
      expect(res?.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ length: 1_000_000 });
      if (process.env.KROZEN_BODY_COST_REPORT === '1') console.log(transport, '1-byte chunks: peak RSS growth', growth);
      expect(growth).toBeLessThan(64 * MiB);
    } finally {
      await killChild(child);
    }
  });

  test('an upload of a 1 MB file in 1-byte chunks: held coalesced (bounded RSS growth)', async () => {
    const child = await startMeasured(transport);
    try {
      const upload: Frame = {
        head: 'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n',
        before: '--b\r\nContent-Disposition: form-data; name="f"; filename="a"\r\n\r\n',
        after: '\r\n--b--\r\n',
      };
      let sent: Sent | undefined;
      const growth = await childRssGrowth(child.port, async () => {
        sent = await sendChunks(child.port, ONE_BYTE, 1_000_000, { maxMs: 30_000, frame: upload });
      });
      const [res] = parseResponses((sent as Sent).response);
      expect(res?.status).toBe(200);
      expect(JSON.parse(res.body)).toEqual({ sizes: [1_000_000] });
      if (process.env.KROZEN_BODY_COST_REPORT === '1')
        console.log(transport, 'upload of 1-byte chunks: peak RSS growth', growth);
      expect(growth).toBeLessThan(64 * MiB);
    } finally {
      await killChild(child);
    }
  });

  test('a GET on another connection is answered promptly while 6 bodies of 1-byte chunks arrive', async () => {
    const child = await startMeasured(transport);
    try {
      await getJson(child.port, '/health'); // warm: the first request's own cost is not what is measured
      const bodies = Array.from({ length: 6 }, () =>
        sendChunks(child.port, ONE_BYTE, 1_000_000, { maxMs: 5_000, paced: false }),
      );
      const delays: number[] = [];
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        const t0 = Date.now();
        expect((await getJson(child.port, '/health')).ok).toBe(true);
        delays.push(Date.now() - t0);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Each body refused (unpaced, the bytes a writer got in before it saw the answer say more about this
      // process than about the server: not checked here).
      const sent = await Promise.all(bodies);
      for (const s of sent) expect413(s, transport);
      if (process.env.KROZEN_BODY_COST_REPORT === '1')
        console.log(transport, 'health GET delays (ms)', delays.join(','));
      // node:http parses every chunk of every read it takes (a callback, a Buffer copy and a 'data' event
      // each, ~3 µs per 1-byte chunk) before it looks at the next socket: ~175k of them per body before the
      // 413 is its floor here. Before the fix: no answer within 10 s on node:http, 3.9 s on krozen. The
      // bounds leave room for CI, where a second test lane shares the two cores (krozen's worst seen: 520 ms).
      expect(Math.max(...delays)).toBeLessThan(transport === 'krozen' ? 1500 : 3000);
    } finally {
      await killChild(child);
    }
  });
});
