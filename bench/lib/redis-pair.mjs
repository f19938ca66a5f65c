// The processes of the ws-publish-redis suite: a redis-server on a free port, and server processes
// (bench/servers/<file>) pointed at it, each on its own free port, stopped by PID (their process group).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { benchDir, rootDir } from './servers.mjs';
import { stop, track } from './children.mjs';
import { freePort, waitForPort } from './ports.mjs';
import { peersDir } from './peers.mjs';
import { withRaisedFdLimit } from './limits.mjs';

export const SERVER_FILES = {
  krozen: 'krozen-redis.mjs',
  'krozen-rt': 'krozen-realtime-redis.mjs',
  socketio: 'socketio-redis.mjs',
};

export async function startRedis() {
  const port = await freePort();
  const child = track(
    spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
      detached: true,
    }),
  );
  if (!(await waitForPort(port, 10_000, () => child.exitCode !== null)))
    throw new Error('redis-server did not start (Debian: apt-get install redis-server)');
  return { port, pid: child.pid, stop: () => stop(child) };
}

/** Starts bench/servers/<SERVER_FILES[name]> on a free port with REDIS_URL (and `env`); resolves once it accepts. */
export async function startServer(name, redisPort, env = {}) {
  const port = await freePort();
  const [command, argv] = withRaisedFdLimit(process.execPath, [path.join(benchDir, 'servers', SERVER_FILES[name])]);
  const child = track(
    spawn(command, argv, {
      cwd: rootDir,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        PEERS: peersDir,
        ...env,
      },
    }),
  );
  let output = '';
  const keep = (d) => {
    output = (output + d).slice(-2000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  if (!(await waitForPort(port, 15_000, () => child.exitCode !== null))) {
    await stop(child);
    throw new Error(`${name} did not start: ${output.trim().split('\n').at(-1) ?? ''}`);
  }
  return { port, pid: child.pid, stop: () => stop(child), output: () => output };
}

/** Servers A and B, started together; if one fails the other is stopped and the error thrown. */
export async function startPair(name, redisPort, env = {}) {
  const started = await Promise.allSettled([startServer(name, redisPort, env), startServer(name, redisPort, env)]);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed === undefined) return started.map((s) => s.value);
  await Promise.all(started.filter((s) => s.status === 'fulfilled').map((s) => s.value.stop()));
  throw failed.reason;
}
