// The krozen demo: a live chat board. HTTP routes, a router group with OpenAPI metadata, middleware,
// hooks, a static page, a session cookie, and an authenticated WebSocket endpoint per room
// (app.ws('/chat/:room'), one topic per room), all on one port.
// In your own project: require('krozen') instead of the relative path.
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const { createApp, router, file, error, HttpError } = require('../../dist/index.js');

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
  /** Session token (the HttpOnly cookie) → the name the visitor chose. */
  app.state.sessions = new Map();

  // Middleware: every response says how long it took.
  app.use((req, res) => {
    req.extra.startedAt = process.hrtime.bigint();
    res.headers['x-powered-by'] = 'krozen';
  });
  app.on('http:get:after', ({ req, res }) => {
    const started = req.extra.startedAt;
    if (typeof started === 'bigint')
      res.headers['x-response-time'] = `${Number(process.hrtime.bigint() - started) / 1e3}us`;
  });

  app.get('/', () => file(path.join(__dirname, 'static', 'index.html')));
  app.serveStatic('/static');

  // The API, described at /_internal/openapi.json.
  const api = router('/api', { tags: ['chat'] });
  api.get(
    '/rooms',
    function listRooms() {
      return { body: ROOMS.map((room) => ({ room, messages: app.state.history[room].length })) };
    },
    { summary: 'List the rooms', responses: { 200: 'The rooms and their message counts' } },
  );
  api.get(
    '/rooms/:room/messages',
    function roomHistory(req) {
      const history = app.state.history[req.params.room];
      if (!history) return error('No such room', 404);
      return { body: history };
    },
    { summary: 'The last messages of a room', responses: { 200: 'Messages, oldest first', 404: 'No such room' } },
  );
  api.post(
    '/rooms/:room/messages',
    function postMessage(req) {
      const history = app.state.history[req.params.room];
      if (!history) return error('No such room', 404);
      const message = toMessage(req.body);
      if (!message) return error('Expected {"name": string, "text": string}', 400);
      deliver(app, req.params.room, message);
      return { status: 201, body: message };
    },
    {
      summary: 'Post a message (as if sent over WebSocket)',
      responses: { 201: 'Posted', 400: 'Bad message', 404: 'No such room' },
    },
  );
  api.post(
    '/session',
    function logIn(req) {
      const name =
        typeof req.body?.name === 'string' && req.body.name.trim() ? req.body.name.trim().slice(0, 40) : 'anonymous';
      const token = randomBytes(18).toString('base64url');
      app.state.sessions.set(token, name);
      return {
        status: 201,
        headers: { 'set-cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict` },
        body: { name },
      };
    },
    { summary: 'Log in: a session cookie for the chat WebSocket', responses: { 201: 'Logged in' } },
  );
  api.get(
    '/stats',
    function stats() {
      return { body: { online: app.state.online, rooms: ROOMS } };
    },
    { summary: 'Who is online', tags: ['status'] },
  );
  app.includeRouter(api);

  // WebSocket: /chat/<room> joins a room (a topic), for logged-in visitors only, speaking chat.v1.
  app.ws('/chat/:room', {
    protocols: ['chat.v1'],
    // Before the handshake: an unknown room is a 404, no session a 401 (a JSON body, no 101). The browser
    // sends the session cookie with the handshake; settings.wsOrigins (same-origin by default) has already
    // refused pages of other sites that would ride on it.
    upgrade(req) {
      const room = req.params.room;
      if (!ROOMS.includes(room)) throw new HttpError(404, `No room ${room}`);
      const user = app.state.sessions.get(cookie(req.headers.cookie, SESSION_COOKIE));
      if (user === undefined) throw new HttpError(401, 'Log in first (POST /api/session)');
      return { data: { user, room } };
    },
    open({ ws }) {
      const { room } = ws.data;
      ws.subscribe(`room:${room}`);
      ws.subscribe('presence');
      app.state.online += 1;
      ws.send({ type: 'history', room, messages: app.state.history[room] });
      app.publish('presence', { type: 'presence', online: app.state.online });
    },
    message(ctx) {
      // The room hears it through the topic (app.ws endpoints have no default echo).
      const message = toMessage({ name: ctx.ws.data.user, text: ctx.data?.text });
      if (!message) {
        ctx.reply = { type: 'error', error: 'Expected {"text": string}' };
        return;
      }
      deliver(app, ctx.ws.data.room, message);
    },
    close() {
      app.state.online -= 1;
      app.publish('presence', { type: 'presence', online: app.state.online });
    },
  });
  return app;
}

const SESSION_COOKIE = 'demo_session';

/** One cookie's value from a Cookie header. */
function cookie(header, name) {
  for (const part of String(header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
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
