// A real redis-server for the pub/sub tests (Debian's redis-server, installed by scripts/ensure-test-tools.sh):
// started on a free port on 127.0.0.1 with no persistence, killed and restarted on the same port, stopped by PID.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILLs the server (an outage) and waits until it is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it answers PING. */
  restart(): Promise<void>;
  /** Sends one command (inline form) and resolves with the raw reply. */
  command(line: string): Promise<string>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function command(port: number, line: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${line}: no reply`));
    }, timeoutMs);
    socket.on('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (d) => {
      reply += d.toString('latin1');
      if (reply.endsWith('\r\n')) {
        clearTimeout(timer);
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function waitForPong(port: number, proc: ChildProcess, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited (${proc.exitCode})`);
    const reply = await command(port, 'PING', 500).catch(() => '');
    if (reply.startsWith('+PONG')) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('redis-server did not answer PING');
}

function exited(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => proc.once('exit', () => resolve()));
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const launch = async (): Promise<ChildProcess> => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    proc.on('error', () => undefined); // ENOENT shows as the PING wait failing with the exit code
    // If the test process ends without stop() (a crash, a killed run), the server goes with it.
    const onExit = (): void => void proc.kill('SIGKILL');
    process.once('exit', onExit);
    proc.once('exit', () => process.off('exit', onExit));
    await waitForPong(port, proc);
    return proc;
  };
  let proc: ChildProcess | null = await launch();
  const kill = async (): Promise<void> => {
    if (proc === null) return;
    const p = proc;
    proc = null;
    p.kill('SIGKILL');
    await exited(p);
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      proc = await launch();
    },
    command: (line) => command(port, line),
    stop: kill,
  };
}
