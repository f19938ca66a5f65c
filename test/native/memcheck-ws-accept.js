// The accept key (wsAcceptKey) and the peer address (peerAddress) for valgrind/ASan: every key length up to the
// limit and past it (SHA-1's one- and two-block tails), checked against Node's crypto; peerAddress on fds that
// are not connected sockets (nothing to say, nothing read or written out of bounds).
const { createHash } = require('node:crypto');

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

function check(ok, what) {
  if (!ok) throw new Error(`memcheck-ws-accept: ${what}`);
}

module.exports = function memcheckWsAccept(native) {
  for (let length = 0; length <= 256; length++) {
    const key = 'k'.repeat(length);
    const want = createHash('sha1').update(key + GUID).digest('base64');
    check(native.wsAcceptKey(key) === want, `key of ${length}`);
  }
  let threw = false;
  try {
    native.wsAcceptKey('k'.repeat(257));
  } catch {
    threw = true;
  }
  check(threw, 'a key past 256 characters is refused');
  for (const fd of [0, 1, 2, 1 << 20]) check(native.peerAddress(fd) === undefined || fd <= 2, `fd ${fd}`);
};
