// Smoke run of the benchmark harness (a few seconds): one HTTP suite through wrk and one WebSocket suite
// through our generator, both against the `ws` peer server. Asserts that the tables have rows and the
// results files are written — never any speed.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

interface Row {
  server: string;
  rounds: number;
  rate: number | null;
  cpuPerOp: number | null;
  peakRss: number | null;
  failures: string[];
}
interface Results {
  suites: Record<string, { rows: Row[]; notes: string[] }>;
}

function runBench(args: string[], outDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'bench', 'run.mjs'), ...args, '--out', outDir],
      { cwd: root, timeout: 90_000, env: process.env },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('bench/run.mjs smoke run', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'krozen-bench-'));
  });
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  test('wrk is installed (the HTTP suites need it)', () => {
    const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    if (probe.error)
      throw new Error('wrk is required by the bench smoke test and was not found: apt-get install -y wrk');
    expect(`${probe.stdout}${probe.stderr}`).toMatch(/wrk/);
  });

  test('http-get and ws-pingpong produce a table row each, with results JSON and chart', async () => {
    const { code, stdout, stderr } = await runBench(
      ['http-get', 'ws-pingpong', '--servers', 'ws', '--rounds', '1', '--duration', '1', '--warmup', '0'],
      outDir,
    );
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

    // One markdown table per suite, each with a data row for the server.
    expect(stdout).toMatch(/## http-get/);
    expect(stdout).toMatch(/## ws-pingpong/);
    expect(stdout).toMatch(/\| server \| req\/s \| p50 \| p99 \| server CPU µs\/op \|/);
    expect(stdout).toMatch(/\| server \| msg\/s \| p50 \| p99 \| server CPU µs\/op \|/);
    expect(stdout.match(/^\| ws \| [\d.]+[kM]? \|/gm)).toHaveLength(2);

    const results = JSON.parse(readFileSync(path.join(outDir, 'latest.json'), 'utf8')) as Results;
    for (const suite of ['http-get', 'ws-pingpong']) {
      const rows = results.suites[suite].rows;
      expect(rows.map((r) => r.server)).toEqual(['ws']);
      const [row] = rows;
      expect(row.failures).toEqual([]);
      expect(row.rounds).toBe(1);
      expect(row.rate).toBeGreaterThan(0);
      expect(row.cpuPerOp).toBeGreaterThan(0); // read from the server's /proc entry
      expect(row.peakRss).toBeGreaterThan(1024 * 1024);
    }
    expect(readFileSync(path.join(outDir, 'latest.svg'), 'utf8')).toMatch(/^<svg [^>]*>[\s\S]*<\/svg>\n$/);
  }, 90_000);

  // The TLS suites (needs dist/, openssl, h2load): every server starts with the run's certificate and takes its
  // load over https:// or wss://; a server answering plain HTTP or WS would fail its round (a TLS client cannot
  // talk to it). uws / uws-ssl may be skipped when bench/.peers cannot be installed, as the harness reports it.
  test('https-get, http2-get-tls and wss-echo give every server a row, and wss-echo states the cost of TLS', async () => {
    const args = ['https-get', 'http2-get-tls', 'wss-echo', '--rounds', '1', '--duration', '0.5', '--warmup', '0'];
    const { code, stderr } = await runBench([...args, '--idle-connections', '20', '--gen-threads', '1'], outDir);
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

    const results = JSON.parse(readFileSync(path.join(outDir, 'latest.json'), 'utf8')) as Results & {
      suites: Record<string, { tlsCost?: { tls: string; plain: string; cpuPerOp: number[] }[] }>;
    };
    const want: Record<string, string[]> = {
      'https-get': ['krozen-tls', 'node-https', 'fastify-https', 'uws-ssl'],
      'http2-get-tls': ['krozen-h2', 'fastify-h2'],
      'wss-echo': ['krozen-tls', 'krozen', 'ws-tls', 'ws', 'uws-ssl', 'uws'],
    };
    for (const [suite, servers] of Object.entries(want)) {
      const rows = results.suites[suite].rows;
      expect(rows.map((r) => r.server)).toEqual(servers);
      for (const row of rows) {
        if (row.server.startsWith('uws') && /^skipped: npm install/.test(row.failures[0] ?? '')) continue;
        expect({ suite, server: row.server, failures: row.failures, rounds: row.rounds }).toEqual({
          suite,
          server: row.server,
          failures: [],
          rounds: 1,
        });
        expect(row.rate).toBeGreaterThan(0);
        expect(row.cpuPerOp).toBeGreaterThan(0);
      }
    }
    const krozenCost = results.suites['wss-echo'].tlsCost?.find((c) => c.tls === 'krozen-tls');
    expect(krozenCost?.plain).toBe('krozen');
    expect(Math.min(...krozenCost!.cpuPerOp)).toBeGreaterThan(0);
  }, 90_000);

  test('an unknown suite is a clear error, not an empty run', async () => {
    const { code, stderr } = await runBench(['http-nope'], outDir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown suite 'http-nope'/);
  }, 30_000);
});

// bench/ws-publish-redis.mjs in its quickest mode (needs dist/, built by `npm test`, and redis-server): the
// krozen-rt, krozen and socket.io rows with their wire bytes, the ratio line, and the recovery table, where the
// krozen/client subscriber cut by the proxy must get every message once (B keeps other subscribers).
describe('bench/ws-publish-redis.mjs quick run', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(path.join(os.tmpdir(), 'krozen-bench-redis-'));
  });
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
  });

  const cells = (stdout: string, label: string): string[] | undefined =>
    stdout
      .split('\n')
      .find((l) => l.startsWith(`| ${label}`))
      ?.split('|')
      .slice(1, -1)
      .map((c) => c.trim());
  const num = (cell: string): number => Number(cell.replace(/,/g, ''));

  test('throughput table with wire bytes, krozen-rt / socket.io ratios, recovery: krozen 0 lost, 0 duplicates', async () => {
    const args = [
      '--quick',
      '--subscribers',
      '20',
      '--duration',
      '1',
      '--warmup',
      '0',
      '--gen-threads',
      '1',
      '--out',
      outDir,
    ];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(root, 'bench', 'ws-publish-redis.mjs'), ...args, '--recovery-seconds', '1.5', '--cut', '0.5'],
        { cwd: root, timeout: 90_000, env: process.env },
        (err, out, errOut) => resolve({ code: err ? 1 : 0, stdout: out, stderr: errOut }),
      );
    });
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(
      '| server | subscribers | publishes/s | deliveries/s | cross-process deliveries/s | cross-process p50 / p99 ms | same-process p50 / p99 ms | server CPU µs/delivery | wire B/message (subscriber) | wire B/publish (publisher) |',
    );
    // A krozen.v1 delivery is one 82-byte frame (2 B header, ["m","bench","<64 B>"]); a raw one 66 B (2 + 64);
    // the publisher's masked frames: ["pub",0,"bench","<64 B>"] 84 + 6, raw 64 + 6.
    const rt = cells(stdout, 'krozen-rt (app.realtime');
    const raw = cells(stdout, 'krozen (app.ws');
    expect(rt).toHaveLength(10);
    expect(raw).toHaveLength(10);
    for (const [row, wire, publish] of [
      [rt!, 82, 90],
      [raw!, 66, 70],
    ] as const) {
      expect(num(row[1])).toBe(20); // subscribers: 19 in the generator + the tracker
      expect(num(row[3])).toBeGreaterThan(0); // deliveries/s
      expect(num(row[7])).toBeGreaterThan(0); // server CPU µs/delivery, from /proc
      expect(Math.abs(num(row[8]) - wire)).toBeLessThan(3);
      expect(Math.abs(num(row[9]) - publish)).toBeLessThan(1);
    }
    if (/socket\.io side skipped/.test(stderr)) {
      expect(stdout).not.toMatch(/\| socket\.io \+/);
    } else {
      const sio = cells(stdout, 'socket.io + @socket.io/redis-adapter');
      expect(sio).toHaveLength(10);
      expect(Math.abs(num(sio![8]) - 78)).toBeLessThan(3); // 42["msg","<64 B>"]: 76 + 2
      expect(stdout).toMatch(/^krozen-rt \/ socket\.io: deliveries\/s [\d.]+×, server CPU per delivery [\d.]+×/m);
      expect(stdout).toMatch(
        /\| socket\.io \(socket\.io-client, connectionStateRecovery\) \| keeps other subscribers \|/,
      );
    }

    expect(stdout).toContain(
      '| recovery run | B during the cut | published | received | lost | duplicates | out of order | recovered | reconnected after |',
    );
    const rec = stdout.split('\n').find((l) => /^\| krozen-rt \(krozen\/client.*\| keeps other subscribers \|/.test(l));
    expect(rec).toBeDefined();
    const [, , published, received, lost, duplicates, outOfOrder, recovered] = rec!
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    expect(num(published)).toBe(1500); // 1,000 msg/s for 1.5 s, each acknowledged
    expect({
      received: num(received),
      lost: num(lost),
      duplicates: num(duplicates),
      outOfOrder: num(outOfOrder),
    }).toEqual({
      received: 1500,
      lost: 0,
      duplicates: 0,
      outOfOrder: 0,
    });
    expect(num(recovered.split(' ')[0])).toBeGreaterThan(0); // the cut happened and the client recovered
    const json = JSON.parse(readFileSync(path.join(outDir, 'ws-publish-redis.json'), 'utf8')) as {
      recovery: { server: string; bystander: boolean; lost: number }[];
    };
    expect(json.recovery.find((r) => r.server === 'krozen-rt' && r.bystander)?.lost).toBe(0);
  }, 90_000);
});

// The harness is ESM (.mjs) and jest here runs CommonJS: exercise its parsers in a child node process.
function runModuleScript(source: string): unknown {
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', source], {
    cwd: root,
    encoding: 'utf8',
    timeout: 20_000,
  });
  if (out.status !== 0) throw new Error(`node exited ${out.status}: ${out.stderr}`);
  return JSON.parse(out.stdout);
}

describe('bench parsers', () => {
  test('the generator FrameReader finds every message whatever the read boundaries', () => {
    const seen = runModuleScript(`
      import { FrameReader } from './bench/load/ws-frames.mjs';
      const frame = (op, len, fin = true) => {
        const ext = len < 126 ? 0 : len < 65536 ? 2 : 8;
        const b = Buffer.alloc(2 + ext + len, 0x61);
        b[0] = (fin ? 0x80 : 0) | op;
        if (ext === 0) b[1] = len; else if (ext === 2) { b[1] = 126; b.writeUInt16BE(len, 2); }
        else { b[1] = 127; b.writeUInt32BE(0, 2); b.writeUInt32BE(len, 6); }
        return b;
      };
      const stream = Buffer.concat([frame(1, 64), frame(2, 70000), frame(9, 0), frame(1, 300, false), frame(0, 5), frame(2, 125)]);
      const results = [];
      for (const step of [1, 3, 7, 4096, stream.length]) {
        const got = [];
        const reader = new FrameReader((op, len, head) => got.push([op, len, head ? head.toString() : null]), 4);
        for (let i = 0; i < stream.length; i += step) reader.push(stream.subarray(i, i + step));
        results.push(got);
      }
      console.log(JSON.stringify(results));
    `) as unknown[][];
    const want = [
      [1, 64, 'aaaa'],
      [2, 70000, 'aaaa'],
      [9, 0, null],
      [1, 305, 'aaaa'],
      [2, 125, 'aaaa'],
    ];
    for (const got of seen) expect(got).toEqual(want);
  });

  test('wrk output is parsed into rate, count and latency percentiles (µs)', () => {
    const parsed = runModuleScript(`
      import { parseWrk } from './bench/lib/wrk.mjs';
      const out = [
        'Running 2s test @ http://127.0.0.1:1/json', '  1 threads and 50 connections',
        '  Latency Distribution', '     50%  812.00us', '     75%    1.10ms', '     90%    1.50ms', '     99%    2.31ms',
        '  61234 requests in 2.00s, 9.87MB read', '  Non-2xx or 3xx responses: 3', 'Requests/sec:  30617.00', 'Transfer/sec:      4.93MB',
      ].join('\\n');
      console.log(JSON.stringify(parseWrk(out)));
    `);
    expect(parsed).toEqual({ requests: 61234, seconds: 2, rate: 30617, p50: 812, p99: 2310, errors: 3 });
  });

  test('latency histogram quantiles land within 1% of the recorded values', () => {
    const q = runModuleScript(`
      import { newHistogram, record, quantile } from './bench/lib/stats.mjs';
      const h = newHistogram();
      for (let i = 1; i <= 1000; i++) record(h, i * 10);
      console.log(JSON.stringify([quantile(h, 0.5), quantile(h, 0.99), quantile(newHistogram(), 0.5)]));
    `) as [number, number, null];
    expect(Math.abs(q[0] - 5000) / 5000).toBeLessThan(0.01);
    expect(Math.abs(q[1] - 9900) / 9900).toBeLessThan(0.01);
    expect(q[2]).toBeNull();
  });
});
