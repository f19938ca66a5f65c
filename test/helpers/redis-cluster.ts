// A local Redis Cluster for the tests: 3 masters + 3 replicas from Debian's redis-server on 6 free ports of
// 127.0.0.1, no persistence, created with redis-cli --cluster create; every node stopped by PID. Ready only once
// every replica has finished its first sync: a replica that never synced refuses to fail over (its data is
// "too old"), so a master killed earlier leaves its slots uncovered for good. One master can be SIGKILLed and
// the promotion of its replica awaited (CLUSTER NODES: another master owns its slots, cluster_state:ok).
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { freePort } from './redis';

export interface RedisCluster {
  ports: number[];
  urls: string[];
  /** Runs redis-cli against a node and resolves with its output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master that owns `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the master on `port`, waits until a replica has taken over its slots; resolves with its port. */
  killMaster(port: number, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

function cli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 20000 }, (err, out) =>
      err ? reject(err) : resolve(out),
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`redis cluster: ${what} not within ${timeoutMs} ms`);
}

export async function startRedisCluster(): Promise<RedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'krozen-cluster-'));
  const ports: number[] = [];
  while (ports.length < 6) {
    const p = await freePort();
    // The cluster bus listens on port + 10000: keep both free and distinct.
    if (p < 55000 && !ports.includes(p)) ports.push(p);
  }
  const procs = new Map<number, ChildProcess>();
  const killAll = (): void => {
    for (const p of procs.values()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const stop = async (): Promise<void> => {
    process.off('exit', killAll);
    await Promise.all(
      [...procs.values()].map((p) => {
        if (p.exitCode !== null || p.signalCode !== null) return undefined;
        const gone = new Promise((resolve) => p.once('exit', resolve));
        p.kill('SIGKILL');
        return gone;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const proc = spawn(
        'redis-server',
        [
          '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes',
          '--cluster-config-file', path.join(dir, `nodes-${port}.conf`), '--cluster-node-timeout', '1000',
          '--appendonly', 'no', '--save', '', '--dir', dir, '--repl-diskless-sync-delay', '0',
        ], // prettier-ignore
        { stdio: 'ignore' },
      );
      proc.on('error', () => undefined);
      procs.set(port, proc);
    }
    for (const port of ports) await waitFor(async () => (await cli(port, 'PING')).startsWith('PONG'), 10000, 'PING');
    await cli(
      ports[0],
      '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes',
    ); // prettier-ignore
    for (const port of ports)
      await waitFor(async () => (await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'), 20000, 'state ok');
    const inSync = async (port: number): Promise<boolean> => {
      const info = await cli(port, 'INFO', 'replication');
      return info.includes('role:master') || info.includes('master_link_status:up');
    };
    for (const port of ports) await waitFor(() => inSync(port), 20000, 'replica sync');
  } catch (err) {
    await stop();
    throw err;
  }
  const masterOf = async (key: string): Promise<number> => {
    const slot = Number((await cli(ports[0], 'CLUSTER', 'KEYSLOT', key)).trim());
    for (const port of ports) {
      if (procs.get(port)!.exitCode !== null || procs.get(port)!.signalCode !== null) continue;
      const nodes = await cli(port, 'CLUSTER', 'NODES').catch(() => '');
      for (const line of nodes.split('\n')) {
        const f = line.split(' ');
        if (!f[2]?.includes('master') || f[2].includes('fail')) continue;
        for (const range of f.slice(8)) {
          const [lo, hi = lo] = range.split('-').map(Number);
          if (slot >= lo && slot <= hi) return Number(/:(\d+)@/.exec(f[1])![1]);
        }
      }
      break;
    }
    throw new Error(`no master for ${key}`);
  };
  return {
    ports,
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    cli,
    masterOf,
    killMaster: async (port, timeoutMs = 20000) => {
      const alive = ports.filter((p) => p !== port);
      const nodes = async (): Promise<string[][]> =>
        (await cli(alive[0], 'CLUSTER', 'NODES')).split('\n').map((l) => l.split(' '));
      const deadId = (await nodes()).find((f) => f[1]?.includes(`:${port}@`))![0];
      const replicas = new Set((await nodes()).filter((f) => f[3] === deadId).map((f) => f[0]));
      const proc = procs.get(port)!;
      const gone = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await gone;
      let heir: string[] | undefined;
      await waitFor(
        async () => {
          // One of the dead master's replicas is a healthy master now and the cluster covers every slot again.
          heir = (await nodes()).find((f) => replicas.has(f[0]) && /master/.test(f[2]) && !/fail/.test(f[2]));
          return heir !== undefined && (await cli(alive[0], 'CLUSTER', 'INFO')).includes('cluster_state:ok');
        },
        timeoutMs,
        'failover',
      );
      return Number(/:(\d+)@/.exec(heir![1])![1]);
    },
    stop,
  };
}
