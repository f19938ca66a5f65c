// `ws` clients for the pub/sub tests: each collects what it receives, greeting included.
import WebSocket from 'ws';

export interface Received {
  binary: boolean;
  data: Buffer;
  /** The text parsed as JSON when it is JSON, else the text (binary: undefined). */
  value: unknown;
}

export interface Client {
  ws: WebSocket;
  messages: Received[];
  /** The pid of the process serving it (its greeting). */
  pid: number;
}

/** Opens ws://127.0.0.1:port/ws?topic=… and waits for the server's {pid} greeting. */
export function connect(port: number, topic = 'news'): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?topic=${encodeURIComponent(topic)}`);
    const messages: Received[] = [];
    ws.on('message', (data: Buffer, binary: boolean) => {
      let value: unknown;
      if (!binary) {
        try {
          value = JSON.parse(data.toString());
        } catch {
          value = data.toString();
        }
      }
      messages.push({ binary, data, value });
      const first = messages[0].value as { pid?: number } | undefined;
      if (messages.length === 1 && typeof first?.pid === 'number') resolve({ ws, messages, pid: first.pid });
    });
    ws.on('error', reject);
    ws.on('close', () => reject(new Error('closed before the greeting')));
  });
}

export async function until(check: () => boolean, ms = 10000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`${what}: not met within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Connects until the clients cover `want` different processes behind one port (cluster workers). */
export async function connectToEach(port: number, want: number, topic = 'news', ms = 15000): Promise<Client[]> {
  const clients: Client[] = [];
  const pids = new Set<number>();
  const end = Date.now() + ms;
  while (pids.size < want && Date.now() < end) {
    const c = await connect(port, topic);
    if (pids.has(c.pid)) {
      c.ws.terminate();
      continue;
    }
    pids.add(c.pid);
    clients.push(c);
  }
  if (pids.size < want) throw new Error(`reached ${pids.size} of ${want} processes`);
  return clients;
}

/** The messages after the greeting. */
export function published(c: Client): Received[] {
  return c.messages.slice(1);
}
