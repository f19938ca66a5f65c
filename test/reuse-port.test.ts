// settings.reusePort: processes that each bind the same port (SO_REUSEPORT), on Node lines that have it;
// a clear error at run() on those that do not.
import { reusePortUnsupported } from '../lib/reuse-port';
import { startApp, request } from './helpers/server';
import { startChild, killChild, type Child } from './helpers/child';
import { freePort } from './helpers/redis';

const APP = './test/helpers/pubsub-app.ts';

test('which Node lines and platforms have reusePort', () => {
  expect(reusePortUnsupported('20.20.2', 'linux')).toMatch(/needs Node 22\.12\+ or 23\.1\+ \(this is Node 20\.20\.2\)/);
  expect(reusePortUnsupported('22.11.0', 'linux')).not.toBeNull();
  expect(reusePortUnsupported('22.12.0', 'linux')).toBeNull();
  expect(reusePortUnsupported('23.0.0', 'linux')).not.toBeNull();
  expect(reusePortUnsupported('23.1.0', 'linux')).toBeNull();
  expect(reusePortUnsupported('24.22.3', 'linux')).toBeNull();
  expect(reusePortUnsupported('26.12.1', 'freebsd')).toBeNull();
  expect(reusePortUnsupported('24.22.3', 'darwin')).toMatch(/this is darwin/);
  expect(reusePortUnsupported('24.22.3', 'win32')).toMatch(/settings.workers > 1/);
});

/** Distinct pids answering /pid on `port` over fresh connections. */
async function pidsBehind(port: number, want: number, ms = 15000): Promise<Set<number>> {
  const pids = new Set<number>();
  const end = Date.now() + ms;
  while (pids.size < want && Date.now() < end) {
    const res = await request(port, { path: '/pid', timeoutMs: 2000 }).catch(() => undefined);
    if (res?.status === 200) pids.add(JSON.parse(res.text).pid);
  }
  return pids;
}

const unsupported = reusePortUnsupported();

if (unsupported !== null) {
  test(`on this Node (${process.version}) run() refuses reusePort with a clear error`, async () => {
    await expect(startApp(() => undefined, { reusePort: true })).rejects.toThrow(`krozen: ${unsupported}`);
  });
} else {
  test('two processes bind the same port with reusePort; the kernel spreads connections over both', async () => {
    const port = await freePort();
    const children: Child[] = [];
    try {
      children.push(await startChild({ PORT: String(port), REUSE_PORT: '1' }, 30000, APP));
      children.push(await startChild({ PORT: String(port), REUSE_PORT: '1' }, 30000, APP));
      const pids = await pidsBehind(port, 2);
      expect(pids).toEqual(new Set(children.map((c) => c.proc.pid)));
    } finally {
      await Promise.all(children.map(killChild));
    }
  }, 40000);

  test('workers=2 with reusePort and port 0: each worker binds the one port the primary chose', async () => {
    const child = await startChild({ WORKERS: '2', REUSE_PORT: '1' }, 30000, APP);
    try {
      const pids = await pidsBehind(child.port, 2);
      expect(pids.size).toBe(2);
      expect(pids.has(child.proc.pid!)).toBe(false);
    } finally {
      await killChild(child);
    }
  }, 40000);
}
