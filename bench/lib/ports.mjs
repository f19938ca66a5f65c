// A free TCP port on 127.0.0.1 (the OS picks it), and a wait until something accepts on a port.
import net from 'node:net';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function tryConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Resolves true once `port` accepts, false after `timeoutMs` or as soon as `gone()` says the server died. */
export async function waitForPort(port, timeoutMs, gone = () => false) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gone()) return false;
    if (await tryConnect(port)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
