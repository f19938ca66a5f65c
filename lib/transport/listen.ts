// Listening, shared by both transports: resolves with the bound port, rejects with the listen error.
import type * as net from 'node:net';

export function listenOn(
  server: net.Server,
  port: number,
  host: string,
  backlog: number,
  reusePort: boolean,
): Promise<number> {
  // reusePort in a cluster worker: its own socket (exclusive), not the primary's shared handle.
  const options = reusePort ? { port, host, backlog, reusePort, exclusive: true } : { port, host, backlog };
  return new Promise<number>((resolve, reject) => {
    const onListenError = (err: Error): void => reject(err);
    server.once('error', onListenError);
    server.listen(options, () => {
      server.off('error', onListenError);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}
