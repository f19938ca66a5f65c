// Starts one server fresh (`PORT=n node bench/servers/<file>`), waits until it accepts, and stops it by PID.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { track, stop } from './children.mjs';
import { freePort, waitForPort } from './ports.mjs';
import { SERVERS, rootDir } from './servers.mjs';
import { withRaisedFdLimit } from './limits.mjs';
import { benchCertEnv } from './tls.mjs';

const START_TIMEOUT_MS = 15_000;

export async function startServer(name, serversDir, extraEnv = {}) {
  const def = SERVERS[name];
  const port = await freePort();
  const tlsEnv = def.tls ? benchCertEnv() : {};
  const [command, args] = withRaisedFdLimit(process.execPath, [path.join(serversDir, def.file)]);
  const child = track(
    spawn(command, args, {
      cwd: rootDir,
      env: { ...process.env, ...def.env, ...tlsEnv, ...extraEnv, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, so stop() reaches anything it spawns
    }),
  );
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const up = await waitForPort(port, START_TIMEOUT_MS, exited);
  if (!up) {
    await stop(child);
    const lines = output
      .trim()
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const last = lines.find((l) => /^\w*Error\b|^Error:|Cannot find/.test(l)) ?? lines.at(-1) ?? '';
    throw new Error(`${name} did not start on port ${port}${last ? `: ${last}` : ''}`);
  }
  return { name, port, tls: def.tls === true, pid: child.pid, child, output: () => output, stop: () => stop(child) };
}
