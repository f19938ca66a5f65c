// One load-generator thread of the ws-publish-redis suite: raw TCP subscribers (half on each server) that
// count deliveries and sample latency per side, for krozen (plain WebSocket) or socket.io (engine.io v4
// packets over WebSocket: `40` to join the namespace, events as `42["msg","…"]`, ping `2` answered with `3`).
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { FrameReader, handshakeRequest, maskedFrame, OP_PING, OP_PONG, OP_TEXT } from './ws-frames.mjs';
import { newHistogram, record } from '../lib/stats.mjs';

const { ports, protocol, count, clockBase, first } = workerData;
const PROTOCOLS = {
  krozen: { path: '/ws', prefix: '' },
  socketio: { path: '/socket.io/?EIO=4&transport=websocket', prefix: '42["msg","' },
};
const STAMP_BYTES = 16;
const SAMPLE_EVERY = 8;
const proto = PROTOCOLS[protocol];
const maskKey = randomBytes(4);
const clockMicros = () => Math.round((performance.timeOrigin + performance.now() - clockBase) * 1000);
const pongFrame = maskedFrame(OP_PONG, Buffer.alloc(0), maskKey);
const engineJoin = maskedFrame(OP_TEXT, Buffer.from('40'), maskKey);
const enginePong = maskedFrame(OP_TEXT, Buffer.from('3'), maskKey);
const headBytes = proto.prefix.length + STAMP_BYTES;

// Per side (0: the publisher's server, 1: the other process): deliveries and a latency histogram.
let counts = [0, 0];
let histograms = [newHistogram(), newHistogram()];
let errors = 0;
let running = false;
const sockets = [];

function onMessage(side, socket, op, len, head) {
  if (op === OP_PING) {
    socket.write(pongFrame);
    return;
  }
  if (op !== OP_TEXT || head === null) return;
  if (protocol === 'socketio') {
    if (head[0] === 0x32 && len === 1) {
      socket.write(enginePong);
      return;
    } // engine.io ping
    if (head[0] !== 0x34 || head[1] !== 0x32) return; // not an event (the open and join packets)
  }
  if (!running) return;
  const n = ++counts[side];
  if (n % SAMPLE_EVERY === 0 && head.length === headBytes) {
    record(histograms[side], clockMicros() - Number(head.toString('latin1', proto.prefix.length)));
  }
}

function open(index) {
  const side = index % 2;
  const port = ports[side];
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let buffered = Buffer.alloc(0);
    let upgraded = false;
    let reader = null;
    socket.on('connect', () => socket.write(handshakeRequest(port, proto.path)));
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
      let joined = protocol !== 'socketio';
      reader = new FrameReader((op, len, head) => {
        if (!joined) {
          // engine.io open packet `0{…}` → join the default namespace; its answer `40{…}` means subscribed.
          if (head !== null && head[0] === 0x30) socket.write(engineJoin);
          else if (head !== null && head[0] === 0x34 && head[1] === 0x30) {
            joined = true;
            resolve(true);
          }
          return;
        }
        onMessage(side, socket, op, len, head);
      }, headBytes);
      sockets.push(socket);
      if (joined) resolve(true);
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
    running = true;
    parentPort.postMessage({ type: 'going' });
  } else if (msg.cmd === 'stop') {
    running = false;
    parentPort.postMessage(
      { type: 'counts', counts, histograms, errors },
      histograms.map((h) => h.buffer),
    );
  } else if (msg.cmd === 'close') {
    for (const s of sockets) s.destroy();
    parentPort.postMessage({ type: 'closed' });
  }
});
