// A WebSocket suite round for one server: fork the generator (bench/load/ws-load.mjs), read the server's
// CPU at the generator's start/end signals, and (idle) its RSS before and after opening the connections.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { benchDir } from './servers.mjs';
import { track, stop } from './children.mjs';
import { memory } from './proc.mjs';
import { Window, limitOf } from './measure.mjs';
import { withRaisedFdLimit } from './limits.mjs';

const GENERATOR = path.join(benchDir, 'load', 'ws-load.mjs');
const SETTLE_MS = 500; // let the server finish its per-connection allocations before reading RSS

export function runGenerator(args, handlers = {}, timeoutMs = 120_000) {
  return new Promise((resolve, reject) => {
    const argv = Object.entries(args).flatMap(([k, v]) =>
      v === true ? [`--${k}`] : v === false ? [] : [`--${k}`, String(v)],
    );
    const [command, cmdArgs] = withRaisedFdLimit(process.execPath, [GENERATOR, ...argv]);
    const child = track(spawn(command, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], detached: true }));
    let stderr = '';
    let result = null;
    child.stderr.on('data', (c) => {
      stderr = (stderr + c).slice(-2000);
    });
    const timer = setTimeout(() => {
      stderr += '\n(generator timed out)';
      stop(child, 500);
    }, timeoutMs);
    child.on('message', (msg) => {
      if (msg.type === 'result') result = msg.result;
      else handlers[msg.type]?.(msg, child);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (result && code === 0) resolve({ ...result, warnings: stderr.trim() });
      else reject(new Error(`ws generator failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

export async function runWsRound(server, suite, { duration, warmup, genThreads }) {
  const win = new Window(server.pid);
  if (suite.ws.mode === 'idle') {
    const before = memory(server.pid);
    let after = null;
    win.begin();
    const result = await runGenerator(
      {
        port: server.port,
        mode: 'idle',
        connections: suite.ws.connections,
        threads: genThreads,
        'connect-concurrency': 256,
        'source-addresses': suite.ws.sourceAddresses ?? 1,
        tls: server.tls === true,
      },
      {
        opened: (msg, child) => {
          win.end();
          setTimeout(() => {
            after = memory(server.pid);
            child.send({ cmd: 'release' });
          }, SETTLE_MS);
        },
      },
    );
    const rssDelta = after && before ? after.rss - before.rss : null;
    return {
      rate: result.rate, // connections opened per second
      ops: result.connections,
      seconds: result.connectMs / 1000,
      p50: null,
      p99: null,
      cpuPerOp: win.serverCpuMicros === null ? null : win.serverCpuMicros / result.connections,
      rssPerConn: rssDelta === null ? null : rssDelta / result.connections,
      peakRss: after?.peak ?? null,
      errors: suite.ws.connections - result.connections,
      limit: null,
    };
  }
  const result = await runGenerator(
    {
      port: server.port,
      mode: suite.ws.mode,
      connections: suite.ws.connections,
      inflight: suite.ws.inflight,
      size: suite.ws.size,
      binary: suite.ws.binary ?? false,
      duration,
      warmup,
      threads: genThreads,
      tls: server.tls === true, // wss:// (the wss-echo suite's TLS servers)
    },
    { start: () => win.begin(), end: () => win.end() },
    (duration + warmup + 90) * 1000,
  );
  const serverCpuMicros = win.serverCpuMicros;
  return {
    rate: result.rate,
    ops: result.messages,
    seconds: result.seconds,
    p50: result.p50,
    p99: result.p99,
    cpuPerOp: serverCpuMicros === null || result.messages === 0 ? null : serverCpuMicros / result.messages,
    serverCpuShare: serverCpuMicros / (result.seconds * 1e6),
    clientCpuShare: result.clientCpuMicros / (result.seconds * 1e6),
    peakRss: win.mem?.peak ?? null,
    machineBusy: win.machineBusy,
    errors: result.errors,
    limit: limitOf({
      serverCpuMicros,
      clientCpuMicros: result.clientCpuMicros,
      seconds: result.seconds,
      clientThreads: result.threads,
      machineBusy: win.machineBusy,
    }),
  };
}
