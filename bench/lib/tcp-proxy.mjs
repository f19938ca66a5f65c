// A TCP proxy on 127.0.0.1 in front of one server, for the recovery run: cut(ms) is a network outage as a
// client sees it — every connection through the proxy is reset at once (bytes in flight are lost), and for
// `ms` every new connection is reset as soon as it is accepted, so reconnection attempts fail until it ends.
import net from 'node:net';

export function startProxy(targetPort) {
  const pairs = new Set();
  let blockedUntil = 0;
  let cuts = 0;
  let refused = 0;
  const server = net.createServer({ noDelay: true }, (client) => {
    if (Date.now() < blockedUntil) {
      refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({ port: targetPort, host: '127.0.0.1', noDelay: true });
    const pair = { client, upstream };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: server.address().port,
        /** Resets every proxied connection and refuses new ones for `ms`. */
        cut(ms) {
          cuts++;
          blockedUntil = Date.now() + ms;
          for (const { client, upstream } of pairs) {
            client.resetAndDestroy();
            upstream.resetAndDestroy();
          }
          pairs.clear();
        },
        stats: () => ({ cuts, refused, open: pairs.size }),
        close() {
          for (const { client, upstream } of pairs) {
            client.destroy();
            upstream.destroy();
          }
          pairs.clear();
          return new Promise((r) => server.close(() => r()));
        },
      });
    });
  });
}
