// The public WebSocket class lives in websocket.ts, what runs a connection in session.ts. This name stays
// for two tests outside test/ws that import the type from here (test/user-errors, test/listener-faults).
export { WebSocket } from './websocket';
export type { ReadyState } from './websocket';
