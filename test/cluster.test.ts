// settings.workers = 2: a primary (child process) forks two workers sharing one port.
import { request } from './helpers/server';
import { startChild, killChild, type Child } from './helpers/child';

let child: Child;
beforeAll(async () => {
  child = await startChild({ WORKERS: '2', SHUTDOWN_TIMEOUT: '2000' }, 30000);
}, 40000);
afterAll(() => killChild(child));

async function pidsSeen(limitMs: number, want: number): Promise<Set<number>> {
  const pids = new Set<number>();
  const until = Date.now() + limitMs;
  while (pids.size < want && Date.now() < until) {
    // A new connection each time; one handed to a worker that is going away may fail: try again.
    const res = await request(child.port, { path: '/pid', timeoutMs: 1000 }).catch(() => undefined);
    if (res?.status === 200) pids.add(JSON.parse(res.text).pid);
  }
  return pids;
}

test('two workers answer on one port, neither of them the primary; server:start fired once, in the primary', async () => {
  const pids = await pidsSeen(10000, 2);
  expect(pids.size).toBe(2);
  expect(pids.has(child.proc.pid!)).toBe(false);
  expect(child.lines.filter((l) => l.hook === 'server:start')).toEqual([{ hook: 'server:start', pid: child.proc.pid }]);
}, 20000);

test('a worker that dies is replaced', async () => {
  const before = await pidsSeen(10000, 2);
  const res = await request(child.port, { path: '/crash' });
  const dead = JSON.parse(res.text).crashing as number;
  expect(before.has(dead)).toBe(true);
  // The replacement comes up (after a short delay for a worker that died young) and serves.
  const until = Date.now() + 15000;
  let pids = new Set<number>();
  while (Date.now() < until) {
    pids = await pidsSeen(3000, 2);
    if (pids.size === 2 && !pids.has(dead)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  expect(pids.size).toBe(2);
  expect(pids.has(dead)).toBe(false);
  expect(child.stderr.join('')).toContain(`worker ${dead} died`);
}, 30000);

test('SIGTERM to the primary stops the workers gracefully; server:stop fires once', async () => {
  const inflight = request(child.port, { path: '/slow?ms=300' });
  await new Promise((resolve) => setTimeout(resolve, 80));
  child.proc.kill('SIGTERM');
  const res = await inflight;
  expect(res.status).toBe(200);
  expect(await child.exited).toBe(0);
  expect(child.lines.filter((l) => l.hook === 'server:stop')).toEqual([{ hook: 'server:stop', pid: child.proc.pid }]);
  await expect(request(child.port, { path: '/pid' })).rejects.toThrow(/ECONNREFUSED/);
}, 20000);
