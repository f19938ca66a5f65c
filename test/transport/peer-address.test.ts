// The peer address of a connection on its TCP handle (lib/transport/peer-address.ts): the addon's text
// (native/socket_peer.cc) is the text Node's handle gives, for IPv4, IPv6 and IPv4-mapped IPv6 peers; without
// the addon (KROZEN_NO_NATIVE=1) the handle's own answer is used. Plain TCP by nature: the TLS lane leaves it out.
import * as net from 'node:net';
import { native } from '../../lib/backend/load';
import { handlePeerAddress, peerAddress, peerAddressBackend } from '../../lib/transport/peer-address';
import type { TcpHandle } from '../../lib/transport/tcp-handle';
import { thrownBy } from '../helpers/thrown';

const withAddon = process.env.KROZEN_NO_NATIVE !== '1';

/** Listens on `host`, connects from `from` (to `to`), and gives the server side's handle to `check`. */
async function onAccepted(
  listenHost: string,
  connectHost: string,
  check: (handle: TcpHandle, socket: net.Socket) => void,
): Promise<void> {
  const server = net.createServer();
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, listenHost, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const client = net.connect(port, connectHost);
  try {
    const socket = await accepted;
    check((socket as unknown as { _handle: TcpHandle })._handle, socket);
    socket.destroy();
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** Whether this machine can listen on `host` (IPv6 may be off in a container). */
async function canListen(host: string): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, host, () => server.close(() => resolve(true)));
  });
}

describe('peerAddress', () => {
  test(`takes the ${withAddon ? 'addon' : 'handle'} path`, () => {
    expect(peerAddressBackend).toBe(withAddon ? 'addon' : 'handle');
    expect(typeof native?.peerAddress === 'function').toBe(withAddon);
  });

  test('an IPv4 peer: the same text as the handle and the net.Socket', async () => {
    await onAccepted('127.0.0.1', '127.0.0.1', (handle, socket) => {
      expect(peerAddress(handle)).toBe('127.0.0.1');
      expect(peerAddress(handle)).toBe(handlePeerAddress(handle));
      expect(peerAddress(handle)).toBe(socket.remoteAddress);
    });
  });

  test('another IPv4 loopback address (several digits per octet)', async () => {
    // Linux routes all of 127/8 to loopback; a socket bound to 127.10.200.3 connects from there.
    const server = net.createServer();
    const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const client = net.connect({ port, host: '127.0.0.1', localAddress: '127.10.200.3' });
    client.on('error', () => {});
    try {
      const socket = await accepted;
      const handle = (socket as unknown as { _handle: TcpHandle })._handle;
      expect(peerAddress(handle)).toBe('127.10.200.3');
      expect(handlePeerAddress(handle)).toBe('127.10.200.3');
      socket.destroy();
    } finally {
      client.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an IPv6 peer and an IPv4-mapped one: the same text as the handle', async () => {
    if (!(await canListen('::1'))) return void expect(await canListen('127.0.0.1')).toBe(true);
    await onAccepted('::1', '::1', (handle) => {
      expect(peerAddress(handle)).toBe('::1');
      expect(peerAddress(handle)).toBe(handlePeerAddress(handle));
    });
    // A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d.
    await onAccepted('::', '127.0.0.1', (handle, socket) => {
      expect(peerAddress(handle)).toBe(handlePeerAddress(handle));
      expect(peerAddress(handle)).toBe(socket.remoteAddress);
      expect(peerAddress(handle)).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
    });
  });

  test('a closed handle has no peer address', async () => {
    await onAccepted('127.0.0.1', '127.0.0.1', (handle, socket) => {
      socket.destroy();
      expect(peerAddress(handle)).toBeUndefined();
    });
  });

  test('the addon checks its argument and says nothing of a socket with no peer', async () => {
    if (!withAddon) return void expect(native?.peerAddress).toBeUndefined();
    const peer = native?.peerAddress as (fd: unknown) => string | undefined;
    const thrown = (arg: unknown): string => thrownBy(peer, arg);
    expect(thrown(-1)).toBe('RangeError: fd must be a non-negative integer');
    expect(thrown('3')).toBe('TypeError: fd must be a non-negative integer');
    expect(thrown(1.5)).toBe('RangeError: fd must be a non-negative integer');
    // A listening socket is connected to nobody.
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const fd = (server as unknown as { _handle: { fd: number } })._handle.fd;
    expect(fd).toBeGreaterThanOrEqual(0);
    expect(peer(fd)).toBeUndefined();
    await new Promise((resolve) => server.close(resolve));
  });
});
