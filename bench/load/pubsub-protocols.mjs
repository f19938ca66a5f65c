// What each server of the ws-publish-redis suite speaks over its WebSocket, for the raw-frame generator
// (pubsub-worker.mjs) and the suite's publisher and tracker (bench/ws-publish-redis.mjs):
// - krozen: plain WebSocket on /ws, every connection subscribed by the server; the payload as is.
// - krozen-rt: krozen.v1 (docs/realtime-protocol.md) on /rt: subprotocol `krozen.v1`, `["sub",1,"bench"]`
//   answered `["ok",1,…]`, messages `["m","bench",<data>]`, publishes `["pub",0,"bench",<data>]` (no answer).
// - socketio: engine.io v4 packets: the open packet `0{…}` answered `40` (join the namespace) until `40{…}`,
//   events `42["msg",<data>]`, publishes `42["pub",<data>]`, engine.io ping `2` answered `3`.
// The 64 B payload goes as a JSON string wherever the protocol is JSON (its bytes are plain ASCII).

const bytes = (s) => Buffer.from(s, 'latin1');
const wrap = (before, after) => {
  const head = bytes(before);
  const tail = bytes(after);
  return (payload) => Buffer.concat([head, payload, tail]);
};
const startsWith = (head, prefix) => head !== null && head.toString('latin1', 0, prefix.length) === prefix;

const socketioJoin = {
  send: [],
  reply: (head) => (head !== null && head[0] === 0x30 ? bytes('40') : null),
  done: (head) => head !== null && head[0] === 0x34 && head[1] === 0x30,
};

export const PROTOCOLS = {
  krozen: {
    path: '/ws',
    pubPath: '/ws?pub',
    subprotocol: undefined,
    prefix: '',
    publish: (payload) => payload,
    join: { sub: null, pub: null },
    isMessage: () => true,
    keepalive: () => null,
  },
  'krozen-rt': {
    path: '/rt',
    pubPath: '/rt',
    subprotocol: 'krozen.v1',
    prefix: '["m","bench","',
    publish: wrap('["pub",0,"bench","', '"]'),
    join: {
      sub: { send: [bytes('["sub",1,"bench"]')], reply: () => null, done: (head) => startsWith(head, '["ok",1,') },
      pub: null,
    },
    isMessage: (head) => head !== null && head[2] === 0x6d && head[3] === 0x22, // ["m"
    keepalive: () => null,
  },
  socketio: {
    path: '/socket.io/?EIO=4&transport=websocket',
    pubPath: '/socket.io/?EIO=4&transport=websocket&pub=1',
    subprotocol: undefined,
    prefix: '42["msg","',
    publish: wrap('42["pub","', '"]'),
    join: { sub: socketioJoin, pub: socketioJoin },
    isMessage: (head) => head !== null && head[0] === 0x34 && head[1] === 0x32,
    keepalive: (head, len) => (head !== null && len === 1 && head[0] === 0x32 ? bytes('3') : null),
  },
};
