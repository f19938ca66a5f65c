// krozen's WebSocket server (RFC 6455, permessage-deflate optional) on the HTTP server's port.
export { WsHub } from './hub';
export { WebSocket } from './connection';
export type { ConnectionLimits, ReadyState } from './connection';
export { WsMessageContext } from './context';
export type { WsConnectContext, WsDisconnectContext } from './context';
export { CloseCode, isValidCloseCode } from './close-codes';
