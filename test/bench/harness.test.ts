// Smoke run of the benchmark harness (a few seconds): one HTTP suite through wrk and one WebSocket suite
// through our generator, both against the `ws` peer server. Asserts that the tables have rows and the
// results files are written — never any speed.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.join(__dirname, '..', '..');

interface Row { server: string; rounds: number; rate: number | null; cpuPerOp: number | null; peakRss: number | null; failures: string[] }
interface Results { suites: Record<string, { rows: Row[]; notes: string[] }> }

function runBench(args: string[], outDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bench', 'run.mjs'), ...args, '--out', outDir],
      { cwd: root, timeout: 90_000, env: process.env }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
  });
}

describe('bench/run.mjs smoke run', () => {
  let outDir: string;
  beforeAll(() => { outDir = mkdtempSync(path.join(os.tmpdir(), 'krozen-bench-')); });
  afterAll(() => { rmSync(outDir, { recursive: true, force: true }); });

  test('wrk is installed (the HTTP suites need it)', () => {
    const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
    if (probe.error) throw new Error('wrk is required by the bench smoke test and was not found: apt-get install -y wrk');
    expect(`${probe.stdout}${probe.stderr}`).toMatch(/wrk/);
  });

  test('http-get and ws-pingpong produce a table row each, with results JSON and chart', async () => {
    const { code, stdout, stderr } = await runBench(
      ['http-get', 'ws-pingpong', '--servers', 'ws', '--rounds', '1', '--duration', '1', '--warmup', '0'], outDir);
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

  test('an unknown suite is a clear error, not an empty run', async () => {
    const { code, stderr } = await runBench(['http-nope'], outDir);
    expect(code).toBe(1);
    expect(stderr).toMatch(/unknown suite 'http-nope'/);
  }, 30_000);
});
