// Compile-time checks of app.realtime<Api>() (run by `npm run typecheck` and by route-types.test.ts): every
// `@ts-expect-error` line must stay an error.
import { createApp, type RealtimeApi } from '../../lib/index';

interface ChatApi extends RealtimeApi {
  topics: { [room: `chat/${string}`]: { text: string }; presence: { online: number } };
  requests: { send: { data: { room: string; text: string }; result: { id: number } } };
  events: { typing: { room: string } };
  serverEvents: { kicked: { reason: string } };
  serverRequests: { confirm: { data: { question: string }; result: boolean } };
}

const app = createApp();

const chat = app.realtime<ChatApi, { user: string }>('/chat', {
  upgrade: () => ({ data: { user: 'ann' } }),
  requests: {
    send: (data, ws) => {
      const room: string = data.room;
      const user: string = ws.data.user;
      void [room, user];
      return { id: 1 };
    },
  },
  events: {
    typing: (data) => {
      const room: string = data.room;
      void room;
    },
  },
  canSubscribe: (ws, topic) => topic.startsWith('chat/') && ws.data.user !== '',
});

chat.publish('chat/lobby', { text: 'hi' });
chat.publish('presence', { online: 3 });
// @ts-expect-error a topic the map does not have
chat.publish('news', { text: 'hi' });
// @ts-expect-error the wrong data for the topic
chat.publish('chat/lobby', { txt: 'hi' });

app.realtime<ChatApi>('/chat2', {
  requests: {
    // @ts-expect-error the result must be { id: number }
    send: () => ({ id: 'x' }),
  },
});
app.realtime<ChatApi>('/chat3', {
  requests: {
    // @ts-expect-error a request the map does not have
    sned: () => ({ id: 1 }),
  },
});

const ws = chat.connections[0];
chat.emit(ws, 'kicked', { reason: 'spam' });
// @ts-expect-error an event the map does not have
chat.emit(ws, 'banned', { reason: 'spam' });
// @ts-expect-error the wrong event data
chat.broadcast('kicked', { why: 'spam' });

async function ask(): Promise<void> {
  const yes: boolean = await chat.request(ws, 'confirm', { question: 'ok?' }, { timeout: 5000 });
  // @ts-expect-error the result is a boolean
  const no: string = await chat.request(ws, 'confirm', { question: 'ok?' });
  void [yes, no];
}
void ask;

// Without a map: any name, any data.
const loose = app.realtime('/loose', { recovery: ['feed/*'], requests: { anything: (d) => d } });
loose.publish('whatever', { any: 1 });
loose.emit(loose.connections[0], 'x', 1);
