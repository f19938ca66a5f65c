/** What the client uses of a WebSocket: the browser API, which Node ≥ 22's global and the `ws` package share. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: `globalThis.WebSocket`, `ws`'s `WebSocket`, or any with the browser's constructor. */
export type WebSocketConstructor = new (url: string, protocols: string) => unknown;

export const OPEN = 1;

let fallback: Promise<WebSocketConstructor> | undefined;

/**
 * The constructor to use: the option, else the global (browsers, Node ≥ 22), else the `ws` package, loaded
 * only then (an optional peer dependency: Node 20 has no global WebSocket).
 */
export function webSocketClass(option: WebSocketConstructor | undefined): Promise<WebSocketConstructor> {
  if (option) return Promise.resolve(option);
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return Promise.resolve(global);
  fallback ??= import(/* webpackIgnore: true */ 'ws').then(
    (mod: { WebSocket?: unknown; default?: unknown }) => (mod.WebSocket ?? mod.default) as WebSocketConstructor,
    () => {
      fallback = undefined;
      throw new Error(
        'krozen/client: no WebSocket: this runtime has no globalThis.WebSocket (Node 20) and the ws package ' +
          'is not installed: npm install ws, or pass the WebSocket option',
      );
    },
  );
  return fallback;
}
