// One load-generator thread of the ws-publish-redis suite: raw TCP subscribers (half on each server) that
// count deliveries, sample latency per side and count the TCP bytes they read, for krozen (plain WebSocket),
// krozen-rt (krozen.v1) or socket.io (engine.io v4): what each speaks is in pubsub-protocols.mjs.
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { FrameReader, handshakeRequest, maskedFrame, OP_PING, OP_PONG, OP_TEXT } from './ws-frames.mjs';
import { PROTOCOLS } from './pubsub-protocols.mjs';
import { newHistogram, record } from '../lib/stats.mjs';

const { ports, protocol, count, clockBase, first } = workerData;
const STAMP_BYTES = 16;
const SAMPLE_EVERY = 8;
const proto = PROTOCOLS[protocol];
const maskKey = randomBytes(4);
const clockMicros = () => Math.round((performance.timeOrigin + performance.now() - clockBase) * 1000);
const pongFrame = maskedFrame(OP_PONG, Buffer.alloc(0), maskKey);
const text = (payload) => maskedFrame(OP_TEXT, payload, maskKey);
const headBytes = proto.prefix.length + STAMP_BYTES;

// Per side (0: the publisher's server, 1: the other process): deliveries and a latency histogram.
let counts = [0, 0];
let histograms = [newHistogram(), newHistogram()];
let errors = 0;
let running = false;
let bytesAtGo = 0;
const sockets = [];
const bytesRead = () => sockets.reduce((sum, s) => sum + s.bytesRead, 0);

function onMessage(side, socket, op, len, head) {
  if (op === OP_PING) {
    socket.write(pongFrame);
    return;
  }
  if (op !== OP_TEXT || head === null) return;
  const answer = proto.keepalive(head, len);
  if (answer !== null) {
    socket.write(text(answer));
    return;
  }
  if (!proto.isMessage(head, len)) return;
  if (!running) return;
  const n = ++counts[side];
  if (n % SAMPLE_EVERY === 0 && head.length === headBytes) {
    record(histograms[side], clockMicros() - Number(head.toString('latin1', proto.prefix.length)));
  }
}

function open(index) {
  const side = index % 2;
  const port = ports[side];
  const join = proto.join.sub;
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let reader = null;
    socket.on('connect', () => socket.write(handshakeRequest(port, proto.path, proto.subprotocol)));
    socket.on('data', (chunk) => {
      if (upgraded) {
        reader.push(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      if (!buffered.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 101')) {
        errors++;
        socket.destroy();
        resolve(false);
        return;
      }
      upgraded = true;
      let joined = join === null;
      reader = new FrameReader((op, len, head) => {
        if (!joined) {
          // The protocol's join step (socket.io's namespace, krozen.v1's sub): its answer means subscribed.
          if (op !== OP_TEXT) return;
          const reply = join.reply(head);
          if (reply !== null) socket.write(text(reply));
          else if (join.done(head)) {
            joined = true;
            resolve(true);
          }
          return;
        }
        onMessage(side, socket, op, len, head);
      }, headBytes);
      sockets.push(socket);
      if (joined) resolve(true);
      else for (const payload of join.send) socket.write(text(payload));
      const rest = buffered.subarray(end + 4);
      if (rest.length > 0) reader.push(rest);
    });
    socket.on('error', () => {
      errors++;
      if (!upgraded) resolve(false);
    });
  });
}

parentPort.on('message', async (msg) => {
  if (msg.cmd === 'connect') {
    let next = 0;
    let ok = 0;
    const lane = async () => {
      while (next < count) if (await open(first + next++)) ok++;
    };
    await Promise.all(Array.from({ length: 20 }, lane));
    parentPort.postMessage({ type: 'connected', ok, errors });
  } else if (msg.cmd === 'go') {
    counts = [0, 0];
    histograms = [newHistogram(), newHistogram()];
    bytesAtGo = bytesRead();
    running = true;
    parentPort.postMessage({ type: 'going' });
  } else if (msg.cmd === 'stop') {
    running = false;
    const bytes = bytesRead() - bytesAtGo;
    parentPort.postMessage(
      { type: 'counts', counts, histograms, errors, bytes },
      histograms.map((h) => h.buffer),
    );
  } else if (msg.cmd === 'close') {
    for (const s of sockets) s.destroy();
    parentPort.postMessage({ type: 'closed' });
  }
});
