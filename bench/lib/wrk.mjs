// Runs wrk (the HTTP load generator) and parses its --latency report.
import { spawn, spawnSync } from 'node:child_process';
import { track } from './children.mjs';
import { reapedChildrenCpuMicros } from './proc.mjs';

export function wrkMissing() {
  const probe = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (probe.error) return 'wrk is not installed (apt-get install -y wrk)';
  return null;
}

const UNIT_MICROS = { us: 1, ms: 1e3, s: 1e6, m: 60e6 };

function micros(text) {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  return m ? Number(m[1]) * UNIT_MICROS[m[2]] : null;
}

export function parseWrk(out) {
  const done = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!done || !rps) throw new Error(`cannot parse wrk output:\n${out}`);
  const pct = (p) => {
    const m = new RegExp(`^\\s+${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? micros(m[1]) : null;
  };
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    requests: Number(done[1]),
    seconds: (Number(done[2]) * UNIT_MICROS[done[3]]) / 1e6,
    rate: Number(rps[1]),
    p50: pct(50),
    p99: pct(99),
    errors:
      (non2xx ? Number(non2xx[1]) : 0) + (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

/**
 * wrk -t1 -c<connections> -d<seconds>s --latency [-s script] url. `onStart` runs just before wrk is spawned.
 * Also returns wrk's own CPU time (µs), read from this process's reaped-children counters.
 */
export function runWrk({ url, seconds, connections = 50, threads = 1, script }, onStart = () => {}) {
  seconds = Math.max(1, Math.round(seconds)); // wrk takes whole seconds only
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency'];
  if (script) args.push('-s', script);
  args.push(url);
  return runLoadTool('wrk', args, seconds, parseWrk, onStart);
}

/**
 * Runs a load generator (wrk, h2load) for about `seconds`, killed 15 s past that; resolves with `parse` of its
 * output plus the generator's own CPU time.
 */
export function runLoadTool(command, args, seconds, parse, onStart = () => {}) {
  return new Promise((resolve, reject) => {
    onStart();
    const before = reapedChildrenCpuMicros();
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true }));
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 15) * 1000);
    child.once('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(killer);
      if (code !== 0) return reject(new Error(`${command} exited with ${code}: ${out.trim()}`));
      try {
        resolve({ ...parse(out), clientCpuMicros: reapedChildrenCpuMicros() - before });
      } catch (err) {
        reject(err);
      }
    });
  });
}
