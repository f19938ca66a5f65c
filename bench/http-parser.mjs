// The HTTP request-head parser, JS scan vs addon scan, in one process (issue 12: "decided by measurement").
//   js      latin1 string of the head + parseHead (lib/transport/krozen/parser.ts)
//   native  scanHead (one Node-API call: SIMD scan into a reused Uint32Array) + the same RequestHead built
//           from the offsets (parser-native.ts); native-scalar forces the scalar scan kernel
//   scan    scanHead alone (what the addon call costs, without building the head)
// Rounds are interleaved (every method once per round, per head) and the table shows each method's median
// round, in ns per head; bounded in time (~ROUNDS x heads x methods x BATCH_MS).
//
//   npm run build:ts && node bench/http-parser.mjs [--quick] [--crossover]
//     --crossover  wrk's GET padded to 44 … 256 B, js vs native only: picks NATIVE_MIN_HEAD (head-parse.ts)
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { parseHeadJs, parseHeadNative, httpHeadNative } = require(join(root, 'dist/transport/krozen/parser-native.js'));

if (httpHeadNative === null) {
  console.error('http-parser bench: the addon is not loaded (npm run build:native)');
  process.exit(1);
}
const quick = process.argv.includes('--quick');
const crossover = process.argv.includes('--crossover');
const ROUNDS = quick ? 7 : 15;
const BATCH_MS = quick ? 4 : 8;
const LIMITS = { maxUrlLength: 8192, maxHeaderCount: 100 };

const browser = [
  'GET /assets/app.8c1f2e.js?v=3 HTTP/1.1',
  'Host: www.example.com',
  'Connection: keep-alive',
  'sec-ch-ua: "Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"',
  'sec-ch-ua-mobile: ?0',
  'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'sec-ch-ua-platform: "Linux"',
  'Accept: */*',
  'Sec-Fetch-Site: same-origin',
  'Sec-Fetch-Mode: no-cors',
  'Sec-Fetch-Dest: script',
  'Referer: https://www.example.com/products/list?page=2',
  'Accept-Encoding: gzip, deflate, br, zstd',
  'Accept-Language: en-US,en;q=0.9,de;q=0.8',
  'Cookie: session=5b8f2c1e9a7d4f3b; theme=dark; _ga=GA1.2.1234567890.1700000000',
];
const many = ['GET /api/items?id=42 HTTP/1.1', 'Host: 127.0.0.1:8000'];
for (let i = 0; i < 38; i++) many.push(`X-Field-${i}: value-${i}-${'v'.repeat(i % 7)}`);

const HEADS = {
  'wrk GET (40 B)': ['GET /json HTTP/1.1', 'Host: 127.0.0.1:8000'],
  [`browser GET (${browser.length - 1} fields)`]: browser,
  'JSON POST (100 B)': [
    'POST /echo HTTP/1.1',
    'Host: 127.0.0.1:8000',
    'Content-Type: application/json',
    'Content-Length: 103',
  ],
  '40 fields': many,
};

if (crossover) {
  for (const key of Object.keys(HEADS)) delete HEADS[key];
  HEADS['GET, 44 B total'] = ['GET /json HTTP/1.1', 'Host: 127.0.0.1:8000'];
  for (const size of [64, 80, 96, 128, 192, 256]) {
    // wrk's GET with one more field, so that the head (blank line included) is `size` bytes.
    HEADS[`GET, ${size} B total`] = ['GET /json HTTP/1.1', 'Host: 127.0.0.1:8000', `X-Pad: ${'p'.repeat(size - 53)}`];
  }
}

// As the transport sees it: the head inside a read buffer, followed by the blank line (and maybe a body).
const cases = Object.entries(HEADS).map(([name, lines]) => {
  const text = lines.map((l) => `${l}\r\n`).join('');
  const buf = Buffer.from(`${text}\r\n{"pad":1}`, 'latin1');
  return { name: crossover ? name : `${name}, ${text.length + 2} B`, buf, end: text.length };
});

const out = new Uint32Array(4 + 4 * LIMITS.maxHeaderCount);
const kernel = httpHeadNative.httpHeadKernel();
const ALL_METHODS = {
  js: (c) => parseHeadJs(c.buf, 0, c.end, LIMITS),
  native: (c) => parseHeadNative(c.buf, 0, c.end, LIMITS),
  'native-scalar': (c) => parseHeadNative(c.buf, 0, c.end, LIMITS),
  scan: (c) => httpHeadNative.scanHead(c.buf, 0, c.end, out, LIMITS.maxUrlLength, LIMITS.maxHeaderCount),
};

const METHODS = crossover ? { js: ALL_METHODS.js, native: ALL_METHODS.native } : ALL_METHODS;

for (const c of cases) {
  const a = METHODS.js(c);
  const b = METHODS.native(c);
  if (JSON.stringify(a) !== JSON.stringify(b) || !('method' in a)) throw new Error(`parsers disagree on ${c.name}`);
}

let sink = 0;
function batch(method, c) {
  const fn = METHODS[method];
  if (method === 'native-scalar') httpHeadNative._setHttpHeadKernel('scalar');
  let n = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(BATCH_MS * 1e6);
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 200; i++) sink += fn(c) === null ? 1 : 0;
    n += 200;
    now = process.hrtime.bigint();
  }
  if (method === 'native-scalar') httpHeadNative._setHttpHeadKernel(kernel);
  return Number(now - start) / n;
}

const results = new Map(); // case -> method -> ns[]
for (let round = 0; round < ROUNDS + 2; round++) {
  for (const c of cases) {
    if (!results.has(c.name)) results.set(c.name, new Map());
    for (const method of Object.keys(METHODS)) {
      const ns = batch(method, c);
      if (round < 2) continue; // warm-up rounds
      const list = results.get(c.name).get(method) ?? [];
      list.push(ns);
      results.get(c.name).set(method, list);
    }
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `\nHTTP head parser, ns per head (median of ${ROUNDS} interleaved rounds; scan kernel '${kernel}'; ` +
    `node ${process.version}; \`node bench/http-parser.mjs${process.argv
      .slice(2)
      .map((a) => ` ${a}`)
      .join('')}\`)\n`,
);
if (crossover) {
  console.log('| head | js | native | native/js |');
  console.log('| --- | ---: | ---: | ---: |');
} else {
  console.log('| head | js | native | native/js | native (scalar scan) | scanHead alone |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
}
for (const [name, byMethod] of results) {
  const m = (k) => median(byMethod.get(k));
  if (crossover) {
    console.log(
      `| ${name} | ${m('js').toFixed(0)} | ${m('native').toFixed(0)} | ${(m('native') / m('js')).toFixed(2)} |`,
    );
    continue;
  }
  console.log(
    `| ${name} | ${m('js').toFixed(0)} | ${m('native').toFixed(0)} | ${(m('native') / m('js')).toFixed(2)} | ` +
      `${m('native-scalar').toFixed(0)} | ${m('scan').toFixed(0)} |`,
  );
}
if (sink < 0) console.log(sink);
