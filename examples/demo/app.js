// The krozen demo: a live chat board. HTTP routes, a router group with OpenAPI metadata, middleware,
// hooks, a static page, and WebSocket topics (one per room), all on one port.
// In your own project: require('krozen') instead of the relative path.
const path = require('node:path');
const { createApp, router, file, error } = require('../../dist/index.js');

const MAX_HISTORY = 50;
const ROOMS = ['lobby', 'random', 'dev'];

function createDemoApp(overrides = {}) {
  const app = createApp({
    baseDir: __dirname,
    openapi: { title: 'krozen demo chat', version: '1.0.0', description: 'Rooms, messages and presence' },
    // The demo shows its API and backends; both are off by default (see the production checklist).
    openapiEndpoint: true,
    infoEndpoint: true,
    ...overrides,
  });
  app.state.history = Object.fromEntries(ROOMS.map((room) => [room, []]));
  app.state.online = 0;

  // Middleware: every response says how long it took.
  app.use((req, res) => {
    req.extra.startedAt = process.hrtime.bigint();
    res.headers['x-powered-by'] = 'krozen';
  });
  app.on('http:get:after', ({ req, res }) => {
    const started = req.extra.startedAt;
    if (typeof started === 'bigint') res.headers['x-response-time'] = `${Number(process.hrtime.bigint() - started) / 1e3}us`;
  });

  app.get('/', () => file(path.join(__dirname, 'static', 'index.html')));
  app.serveStatic('/static');

  // The API, described at /_internal/openapi.json.
  const api = router('/api', { tags: ['chat'] });
  api.get('/rooms', function listRooms() {
    return { body: ROOMS.map((room) => ({ room, messages: app.state.history[room].length })) };
  }, { summary: 'List the rooms', responses: { 200: 'The rooms and their message counts' } });
  api.get('/rooms/:room/messages', function roomHistory(req) {
    const history = app.state.history[req.params.room];
    if (!history) return error('No such room', 404);
    return { body: history };
  }, { summary: 'The last messages of a room', responses: { 200: 'Messages, oldest first', 404: 'No such room' } });
  api.post('/rooms/:room/messages', function postMessage(req) {
    const history = app.state.history[req.params.room];
    if (!history) return error('No such room', 404);
    const message = toMessage(req.body);
    if (!message) return error('Expected {"name": string, "text": string}', 400);
    deliver(app, req.params.room, message);
    return { status: 201, body: message };
  }, { summary: 'Post a message (as if sent over WebSocket)', responses: { 201: 'Posted', 400: 'Bad message', 404: 'No such room' } });
  api.get('/stats', function stats() {
    return { body: { online: app.state.online, rooms: ROOMS } };
  }, { summary: 'Who is online', tags: ['status'] });
  app.includeRouter(api);

  // WebSocket: /ws?room=lobby joins a room (a topic).
  app.on('ws:connect', ({ ws }) => {
    const room = ws.data.room = roomOf(ws);
    ws.subscribe(`room:${room}`);
    ws.subscribe('presence');
    app.state.online += 1;
    ws.send({ type: 'history', room, messages: app.state.history[room] });
    app.publish('presence', { type: 'presence', online: app.state.online });
  });
  app.on('ws:message', (ctx) => {
    ctx.stop = true; // no default echo: the room hears it through the topic
    const message = toMessage(ctx.data);
    if (!message) {
      ctx.reply = { type: 'error', error: 'Expected {"name": string, "text": string}' };
      return;
    }
    deliver(app, ctx.ws.data.room, message);
  });
  app.on('ws:disconnect', () => {
    app.state.online -= 1;
    app.publish('presence', { type: 'presence', online: app.state.online });
  });
  return app;
}

function roomOf(ws) {
  const room = new URLSearchParams((ws.url ?? '').split('?')[1] ?? '').get('room');
  return ROOMS.includes(room) ? room : 'lobby';
}

function toMessage(body) {
  if (body === null || typeof body !== 'object') return null;
  const { name, text } = body;
  if (typeof name !== 'string' || typeof text !== 'string' || !text.trim()) return null;
  return { name: name.slice(0, 40) || 'anonymous', text: text.slice(0, 500), at: Date.now() };
}

function deliver(app, room, message) {
  const history = app.state.history[room];
  history.push(message);
  if (history.length > MAX_HISTORY) history.shift();
  app.publish(`room:${room}`, { type: 'message', room, message });
}

module.exports = { createDemoApp, ROOMS };
