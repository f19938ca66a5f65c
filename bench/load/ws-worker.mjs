// One load-generator thread: raw TCP sockets speaking just enough WebSocket to drive an echo or publish
// server, counting messages and recording latencies. Driven by ws-load.mjs through postMessage.
import net from 'node:net';
import tls from 'node:tls';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import {
  FrameReader,
  handshakeRequest,
  maskedFrame,
  repeated,
  OP_BINARY,
  OP_CLOSE,
  OP_PING,
  OP_PONG,
  OP_TEXT,
} from './ws-frames.mjs';
import { newHistogram, record } from '../lib/stats.mjs';

const { port, path, mode, connections, inflight, size, binary, connectConcurrency, clockBase } = workerData;
const overTls = workerData.tls === true;
const sourceAddresses = Math.max(1, workerData.sourceAddresses ?? 1);
/** The source address of connection `id`: 127.0.0.1 alone, or spread over 127.0.0.1..N (ephemeral ports per pair). */
const localAddressOf = (id) =>
  sourceAddresses === 1 ? undefined : `127.0.0.${1 + ((id + (workerData.threadIndex ?? 0)) % sourceAddresses)}`;
const opcode = binary ? OP_BINARY : OP_TEXT;
const maskKey = randomBytes(4);
// publish: the payload starts with the send time, µs since clockBase as 16 ASCII digits (valid in text frames)
const STAMP_BYTES = 16;
const SAMPLE_EVERY = 16; // parse the stamp of one delivery in 16: enough samples, little client CPU

// 'x' repeated: valid UTF-8 for text frames, any bytes would do for binary.
const payload = Buffer.alloc(size, 'x');
const frame = maskedFrame(opcode, payload, maskKey);
const burst = repeated(frame, Math.max(1, inflight));
const pongFrame = maskedFrame(OP_PONG, Buffer.alloc(0), maskKey);
const clockMicros = () => Math.round((performance.timeOrigin + performance.now() - clockBase) * 1000); // comparable across threads

let running = false;
let messages = 0;
let bytes = 0;
let errors = 0;
let histogram = newHistogram();
const conns = [];
let publisher = null;

function fail(conn, why) {
  errors++;
  if (errors <= 3) parentPort.postMessage({ type: 'warn', text: `connection ${conn.id}: ${why}` });
}

function open(id, role) {
  return new Promise((resolve) => {
    const conn = {
      id,
      role,
      socket: null,
      reader: null,
      sent: new Float64Array(Math.max(1, inflight)),
      head: 0,
      tail: 0,
      outstanding: 0,
    };
    // wss: the upgrade request goes once the TLS handshake is done (its cost is in the connect time, not the window).
    const socket = overTls
      ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : net.connect({ port, host: '127.0.0.1', noDelay: true, localAddress: localAddressOf(id) });
    if (overTls) socket.setNoDelay(true);
    conn.socket = socket;
    let handshake = Buffer.alloc(0);
    let upgraded = false;
    socket.on(overTls ? 'secureConnect' : 'connect', () => socket.write(handshakeRequest(port, path)));
    socket.on('data', (chunk) => {
      if (upgraded) {
        conn.reader.push(chunk);
        afterRead(conn);
        return;
      }
      handshake = Buffer.concat([handshake, chunk]);
      const endOfHead = handshake.indexOf('\r\n\r\n');
      if (endOfHead < 0) return;
      const status = handshake.subarray(0, handshake.indexOf('\r\n')).toString('latin1');
      if (!/^HTTP\/1\.1 101/.test(status)) {
        fail(conn, `handshake refused: ${status}`);
        socket.destroy();
        resolve(null);
        return;
      }
      upgraded = true;
      conn.reader = new FrameReader(
        (op, len, head) => onMessage(conn, op, len, head),
        role === 'echo' ? 0 : STAMP_BYTES,
      );
      resolve(conn);
      const rest = handshake.subarray(endOfHead + 4);
      if (rest.length > 0) {
        conn.reader.push(rest);
        afterRead(conn);
      }
    });
    socket.on('error', (err) => {
      if (!upgraded) {
        fail(conn, err.message);
        resolve(null);
      } else if (running) fail(conn, err.message);
    });
    socket.on('close', () => {
      if (!upgraded) resolve(null);
    });
  });
}

function onMessage(conn, op, len, head) {
  if (op === OP_PING) {
    conn.socket.write(pongFrame);
    return;
  }
  if (op === OP_PONG) return;
  if (op === OP_CLOSE) {
    if (running) fail(conn, 'server sent close');
    return;
  }
  if (conn.role === 'echo') {
    if (op !== opcode || len !== size) fail(conn, `echo mismatch: opcode ${op} length ${len}, sent ${opcode}/${size}`);
    if (conn.outstanding > 0) {
      record(histogram, (performance.now() - conn.sent[conn.tail]) * 1000);
      conn.tail = (conn.tail + 1) % conn.sent.length;
      conn.outstanding--;
    }
    messages++;
    bytes += len;
    conn.toSend = (conn.toSend ?? 0) + 1;
    return;
  }
  // publish: subscribers count deliveries; the publisher's own copy opens its window for one more.
  if (head !== null && head.length === STAMP_BYTES && (messages % SAMPLE_EVERY === 0 || conn.role === 'pub')) {
    record(histogram, clockMicros() - Number(head.toString('latin1')));
  }
  if (conn.role === 'sub') {
    messages++;
    bytes += len;
  } else {
    conn.outstanding--;
    conn.toSend = 1;
  }
}

// After a read: send as many frames as echoes arrived, in one write.
function afterRead(conn) {
  const k = conn.toSend ?? 0;
  conn.toSend = 0;
  if (!running || k === 0) return;
  if (conn.role === 'echo') sendEcho(conn, k);
  else if (conn.role === 'pub') fillPublishWindow(conn);
}

function sendEcho(conn, k) {
  const now = performance.now();
  for (let i = 0; i < k; i++) {
    conn.sent[conn.head] = now;
    conn.head = (conn.head + 1) % conn.sent.length;
  }
  conn.outstanding += k;
  conn.socket.write(k === 1 ? frame : burst.subarray(0, k * frame.length));
}

function publishFrame() {
  const body = Buffer.alloc(Math.max(size, STAMP_BYTES), 'x');
  body.write(String(clockMicros()).padStart(STAMP_BYTES, '0'), 0, 'latin1');
  return maskedFrame(opcode, body, maskKey);
}

function fillPublishWindow(conn) {
  const frames = [];
  while (conn.outstanding < inflight) {
    frames.push(publishFrame());
    conn.outstanding++;
  }
  if (frames.length > 0) conn.socket.write(frames.length === 1 ? frames[0] : Buffer.concat(frames));
}

async function connectAll(count, role) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const id = conns.length + next++;
      const conn = await open(id, role);
      if (conn) conns.push(conn);
    }
  };
  await Promise.all(Array.from({ length: Math.min(connectConcurrency, count) }, lane));
}

parentPort.on('message', async (msg) => {
  switch (msg.cmd) {
    case 'connect': {
      const t0 = performance.now();
      await connectAll(connections, mode === 'publish' ? 'sub' : mode === 'idle' ? 'idle' : 'echo');
      parentPort.postMessage({ type: 'connected', count: conns.length, ms: performance.now() - t0, errors });
      break;
    }
    case 'connect-publisher': {
      publisher = await open(-1, 'pub');
      parentPort.postMessage({ type: 'publisher', ok: publisher !== null, errors });
      break;
    }
    case 'go': {
      running = true;
      if (mode === 'publish') {
        if (publisher) fillPublishWindow(publisher);
        break;
      }
      if (mode === 'idle') break;
      for (const conn of conns) sendEcho(conn, Math.max(1, inflight));
      break;
    }
    case 'reset':
      messages = 0;
      bytes = 0;
      errors = 0;
      histogram = newHistogram();
      parentPort.postMessage({ type: 'reset' });
      break;
    case 'stop':
      running = false;
      parentPort.postMessage({ type: 'counts', messages, bytes, errors, histogram }, [histogram.buffer]);
      histogram = newHistogram();
      break;
    case 'close': {
      for (const conn of conns) conn.socket.destroy();
      if (publisher) publisher.socket.destroy();
      parentPort.postMessage({ type: 'closed' });
      break;
    }
    default:
  }
});
