// The native HTTP head scan (scanHead), with every kernel this CPU has, for valgrind/ASan to watch (run by
// test/native/memcheck.js, plain node --jitless): heads of every length cut from a valid browser-like head
// and from bytes with bad ones mixed in, each in its own exact-size Buffer (never the 8 KiB pool) so a
// one-byte overread lands outside it; `out` arrays of exactly the slots allowed, and bad ranges.
'use strict';

const HEAD = 'GET /assets/app.js?v=3 HTTP/1.1\r\nHost: www.example.com\r\nConnection: keep-alive\r\n' +
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\r\nAccept: */*\r\nX-Empty:\r\n' +
  'Cookie: a=1; b=2\t \r\nAccept-Language: en-US,en;q=0.9\r\n';

function check(ok, what) {
  if (!ok) throw new Error(`memcheck-http-head: ${what}`);
}

function exact(bytes) {
  const b = Buffer.alloc(bytes.length);
  bytes.copy(b);
  return b;
}

module.exports = function memcheckHttpHead(native) {
  const before = native.httpHeadKernel();
  const full = Buffer.from(HEAD, 'latin1');
  let accepted = 0;
  for (const kernel of native.httpHeadKernels()) {
    native._setHttpHeadKernel(kernel);
    for (const maxFields of [0, 2, 8]) {
      for (let end = 0; end <= full.length; end++) {
        const buf = exact(full.subarray(0, end));
        const out = new Uint32Array(4 + 4 * maxFields);
        const count = native.scanHead(buf, 0, end, out, 64, maxFields);
        check(count <= maxFields, `count ${count} > ${maxFields}`);
        // The same scan with the text made in the call (the parser's entry point).
        const textOut = new Uint32Array(5 + 4 * maxFields);
        const text = native.scanHeadText(buf, 0, end, textOut, 64, maxFields);
        check(typeof text === 'number' ? text === count : (textOut[0] | 0) === count && text.length === end, 'scanHeadText');
        if (count >= 0) accepted++;
        // The same head with each byte in turn made bad (CR, LF, NUL, SP, ':').
        if (end === full.length && maxFields === 8) {
          for (let i = 0; i < end; i++) {
            for (const bad of [0x0d, 0x0a, 0x00, 0x20, 0x3a]) {
              const mutated = exact(buf);
              mutated[i] = bad;
              native.scanHead(mutated, 0, end, out, 64, maxFields);
            }
          }
        }
      }
    }
    const buf = exact(full);
    check(native.scanHead(buf, 0, buf.length, new Uint32Array(4 + 4 * 8 - 1), 64, 8) === -20, 'short out');
    check(native.scanHead(buf, 0, buf.length + 1, new Uint32Array(40), 64, 8) === -21, 'end past the buffer');
    check(native.scanHead(buf, 3, 2, new Uint32Array(40), 64, 8) === -21, 'start past end');
    check(native.scanHead(Buffer.alloc(0), 0, 0, new Uint32Array(40), 64, 8) === -1, 'empty buffer');
    check(native.scanHeadText(buf, 0, buf.length, new Uint32Array(0), 64, 8) === -20, 'text: no room');
    check(native.scanHeadText(buf, 0, buf.length + 1, new Uint32Array(40), 64, 8) === -21, 'text: end past the buffer');
  }
  native._setHttpHeadKernel(before);
  check(accepted > 0, 'no head was accepted');
};
