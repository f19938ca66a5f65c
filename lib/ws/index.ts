// krozen's WebSocket server (RFC 6455, permessage-deflate optional) on the HTTP server's port.
export { WsHub } from './hub';
export { WebSocket } from './websocket';
export type { ReadyState } from './websocket';
export type { ConnectionLimits } from './connection-config';
export { WsMessageContext } from './context';
export type { WsConnectContext, WsDisconnectContext, WsUpgradeContext, WsUpgradeRequest } from './context';
export type { WsBehaviour, WsProtocolChooser, WsUpgradeResult } from './endpoint';
export type { OriginPolicy } from './origin';
export { WsUpgrade } from './upgrade';
export type { UpgradeRequest } from './upgrade';
export { CloseCode, isValidCloseCode } from './close-codes';
