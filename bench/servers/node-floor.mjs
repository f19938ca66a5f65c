// Node's own floor under a request, a WebSocket message or a WebSocket connection's life, for
// `node bench/callgrind.mjs --server node-floor` (cases http-get, ws-echo, ws-handshake): what any server in a Node process pays per exchange before it does any HTTP or
// WebSocket work. Each accepted connection is driven through its TCP handle the cheapest way Node allows —
// reads into one shared buffer (`useUserBuffer`), one `onread` call per read, one write per answer — and each
// read is answered with a prepared copy of the right answer: no parsing, no routing, no unmasking, no UTF-8
// check, no handler, no Date header; a client's close frame is answered with a close frame and the handle
// closed at once. Only the callgrind client's cases get a right answer (one GET /json, or one 64 B text of 'x'
// on /ws, in flight at a time); it is not a server.
// FLOOR_WRITE=fd: answers go out by krozen's addon (`writeResponse`, one write(2) on the fd, as krozen's own
// writes do) instead of a WriteWrap request, and the accept key is the addon's (`wsAcceptKey`) instead of
// crypto's.
import net from 'node:net';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const PAYLOAD = 64;
const CLIENT_FRAME = 2 + 4 + PAYLOAD; // header, mask, payload
const ECHO = Buffer.concat([Buffer.from([0x81, PAYLOAD]), Buffer.alloc(PAYLOAD, 'x')]);
const JSON_BODY = '{"message":"Hello, World!"}';
const GET_ANSWER = Buffer.from(
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${JSON_BODY.length}\r\n\r\n${JSON_BODY}`,
);

const { WriteWrap, streamBaseState, kReadBytesOrError } = process.binding('stream_wrap');
const readInto = Buffer.alloc(64 * 1024);
const noop = () => {};
const CLOSE = Buffer.from([0x88, 0x02, 0x03, 0xe8]);
const addon =
  process.env.FLOOR_WRITE === 'fd'
    ? createRequire(import.meta.url)('node-gyp-build')(new URL('../..', import.meta.url).pathname)
    : null;
const writeResponse = addon?.writeResponse ?? null;
const acceptKey =
  addon?.wsAcceptKey ??
  ((key) =>
    createHash('sha1')
      .update(key + GUID)
      .digest('base64'));

function send(handle, buf) {
  if (writeResponse !== null) {
    writeResponse(handle.fd, '', buf);
    return;
  }
  const req = new WriteWrap();
  req.handle = handle;
  req.oncomplete = noop;
  req.async = false;
  handle.writeBuffer(req, buf);
}

function drive(handle) {
  let upgraded = false;
  handle.useUserBuffer(readInto);
  handle.onread = function onread() {
    const n = streamBaseState[kReadBytesOrError];
    if (n < 0) {
      handle.readStop();
      handle.close(noop);
      return;
    }
    if (upgraded) {
      if (readInto[0] === 0x88) {
        send(handle, CLOSE);
        handle.readStop();
        handle.close(noop);
        return;
      }
      for (let frames = Math.floor(n / CLIENT_FRAME); frames > 0; frames--) send(handle, ECHO);
      return;
    }
    // 'GET /ws' (0x2f 0x77 0x73 at 4..6) is the upgrade; any other read is one GET /json.
    if (readInto[5] === 0x77 && readInto[6] === 0x73) {
      const head = readInto.toString('latin1', 0, n);
      const key = /sec-websocket-key: *(\S+)/i.exec(head)?.[1] ?? '';
      const accept = acceptKey(key);
      upgraded = true;
      send(
        handle,
        Buffer.from(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
        ),
      );
      return;
    }
    send(handle, GET_ANSWER);
  };
  handle.readStart();
}

// Each accepted handle goes straight to drive(): no net.Socket is made (krozen's raw accept does the same).
const server = net.createServer();
server.listen(Number(process.env.PORT ?? 8000), '127.0.0.1', () => {
  server._handle.onconnection = (status, clientHandle) => {
    if (status === 0 && clientHandle !== undefined) drive(clientHandle);
  };
  console.log(`node-floor listening on http://127.0.0.1:${server.address().port} (pid ${process.pid})`);
});
