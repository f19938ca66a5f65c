// The peer's IP address of a connection on its TCP handle (raw-socket.ts). With the addon: one getpeername()
// on the fd and the text made natively (native/socket_peer.cc); else, and where the addon cannot say (no
// fd, a scoped IPv6 address, Windows), the handle's own getpeername(), which builds an address object and
// formats through a printf: ~6,800 instructions per connection against ~1,000. The same text either way.
import { native } from '../backend/load';
import type { TcpHandle } from './tcp-handle';
import { StringPool } from '../base/string-pool';

type PeerAddress = (fd: number) => string | undefined;

const nativePeer: PeerAddress | null =
  native !== null && typeof native.peerAddress === 'function' ? (native.peerAddress as PeerAddress) : null;

// Behind a proxy or a NAT most connections share a handful of peer addresses: one string each, not one per
// connection (a WebSocket keeps its peer's for its life).
const addresses = new StringPool(1024, 64);

/** The peer's address, or undefined when the handle cannot say (closed, or not a TCP connection). */
export function peerAddress(handle: TcpHandle): string | undefined {
  const fd = (handle as { fd?: unknown }).fd;
  let address: string | undefined;
  if (nativePeer !== null && typeof fd === 'number' && fd >= 0) address = nativePeer(fd);
  if (address === undefined) address = handlePeerAddress(handle);
  return address === undefined ? undefined : addresses.get(address);
}

/** What Node's handle says (the JS path, and the reference the addon's text is tested against). */
export function handlePeerAddress(handle: TcpHandle): string | undefined {
  const out: { address?: string } = {};
  return typeof handle.getpeername === 'function' && handle.getpeername(out) === 0 ? out.address : undefined;
}

/** Which path peerAddress() takes first: 'addon' or 'handle' (getBackends()). */
export const peerAddressBackend: 'addon' | 'handle' = nativePeer === null ? 'handle' : 'addon';
