// Runs test/helpers/child-app.ts in a child node process and reads its JSON lines.
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { laneChildEnv } from './tls-lane';

export interface Child {
  proc: ChildProcess;
  port: number;
  lines: Array<Record<string, unknown>>;
  stderr: string[];
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

const root = path.join(__dirname, '..', '..');

/**
 * Runs `script` (a .ts file under the repository root; default the child app) until it prints {"ready":port}.
 * In the TLS lane the child gets the lane's certificate (laneChildEnv): a script serving through
 * laneSettings() serves HTTPS and WSS as the test's own servers do.
 */
export async function startChild(
  env: Record<string, string> = {},
  timeoutMs = 20000,
  script = './test/helpers/child-app.ts',
): Promise<Child> {
  const proc = spawn(process.execPath, ['-r', './test/helpers/ts-register.js', script], {
    cwd: root,
    env: { ...process.env, ...laneChildEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  const exited = new Promise<number | string>((resolve) =>
    proc.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  let pending = '';
  const ready = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child not ready: ${stderr.join('')}`)), timeoutMs);
    proc.stdout!.on('data', (d: Buffer) => {
      pending += d.toString();
      let nl;
      while ((nl = pending.indexOf('\n')) !== -1) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const msg = JSON.parse(line);
          lines.push(msg);
          if (typeof msg.ready === 'number') {
            clearTimeout(timer);
            resolve(msg.ready);
          }
        } catch {
          stderr.push(`stdout: ${line}\n`);
        }
      }
    });
    proc.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before ready: ${stderr.join('')}`));
    });
  });
  const port = await ready;
  return { proc, port, lines, stderr, exited };
}

/** Kills the child if still running (by its pid) and waits for it. */
export async function killChild(child: Child): Promise<void> {
  if (child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
  await child.exited;
}
