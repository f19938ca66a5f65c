// Consumer code of krozen/client typed by a RealtimeApi map: exactly the lines ending in `// ts-error` must fail.
import { connect } from '../../client/index';

interface ChatApi {
  topics: { chat: { text: string }; ticks: number };
  requests: { add: { data: { a: number; b: number }; result: number } };
  events: { typing: boolean };
  serverEvents: { notice: string };
  serverRequests: { confirm: { data: string; result: boolean } };
}

export async function consumer(): Promise<void> {
  const c = connect<ChatApi>('ws://127.0.0.1:1/rt');
  c.subscribe('chat', (data, meta) => {
    const text: string = data.text;
    const topic: 'chat' = meta.topic;
    void text;
    void topic;
  });
  c.subscribe('chats', () => {}); // ts-error
  c.subscribe('ticks', (n) => n.toFixed());
  c.subscribe('ticks', (n: string) => n); // ts-error
  await c.publish('chat', { text: 'hi' });
  await c.publish('chat', { txt: 'hi' }); // ts-error
  await c.publish('ticks', '1'); // ts-error
  const sum: number = await c.request('add', { a: 1, b: 2 });
  void sum;
  const wrong: string = await c.request('add', { a: 1, b: 2 }); // ts-error
  await c.request('sub', { a: 1, b: 2 }); // ts-error
  c.emit('typing', true);
  c.emit('typing', 'yes'); // ts-error
  c.onEvent('notice', (s) => s.toUpperCase());
  c.onEvent('notise', () => {}); // ts-error
  c.handle('confirm', (question) => question.length > 0);
  c.handle('confirm', () => 'yes'); // ts-error
  c.on('reconnecting', (e) => e.attempt + e.delay);
  c.on('recovered', (e) => e.count.toFixed() + e.topic);
  c.on('reconected', () => {}); // ts-error
  void wrong;
}

export function untyped(): void {
  const c = connect('ws://127.0.0.1:1/rt');
  c.subscribe('anything', (data) => data);
  void c.request('any', { x: 1 });
}
