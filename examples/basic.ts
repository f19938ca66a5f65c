// krozen's quick start. Run it from the repository root with one command:
//   node -r ./test/helpers/ts-register.js examples/basic.ts        (PORT=n to change the port)
// In your own project: import { ... } from 'krozen' instead of '../lib'.
import * as path from 'node:path';
import { createApp, router, error, html, Server, type Request, type Response, type App } from '../lib';

export function createBasicApp(overrides: Parameters<typeof createApp>[0] = {}): App {
  // serveStatic serves <baseDir>/static: the demo's page and assets here.
  const app = createApp({ baseDir: path.join(__dirname, 'demo'), openapiEndpoint: true, ...overrides });
  app.state.todos = [{ id: 1, title: 'Try krozen', done: false }];

  // Middleware runs on every request, in order; `res.stop = true` would answer at once.
  app.use((req: Request, res: Response) => {
    req.extra.startedAt = Date.now();
    res.headers['x-powered-by'] = 'krozen';
  });

  // A hook after every GET (404s included).
  app.on('http:get:after', ({ req, res }: { req: Request; res: Response }) => {
    res.headers['x-elapsed-ms'] = String(Date.now() - (req.extra.startedAt as number));
  });

  app.get('/', () =>
    html(
      '<h1>krozen</h1><p>Try <a href="/api/todos">/api/todos</a> and <a href="/_internal/openapi.json">the OpenAPI document</a>.</p>',
    ),
  );
  app.get('/hello/:name', (req) => ({ body: { hello: req.params.name, lang: req.query.lang ?? 'en' } }));

  // A router group: routes under /api with OpenAPI metadata.
  const api = router('/api', { tags: ['todos'] });
  api.get(
    '/todos',
    function listTodos() {
      return { body: app.state.todos };
    },
    { summary: 'List the todos' },
  );
  api.post(
    '/todos',
    async function createTodo(req) {
      const body = req.body as { title?: unknown } | undefined;
      if (typeof body?.title !== 'string' || body.title.length === 0) return error('Expected {"title": string}');
      const todo = { id: app.state.todos.length + 1, title: body.title, done: false };
      app.state.todos.push(todo);
      return { status: 201, body: todo };
    },
    { summary: 'Add a todo', responses: { 201: 'Created', 400: 'Bad body' } },
  );
  app.includeRouter(api);

  app.serveStatic('/static');

  // WebSocket on settings.wsPath (/ws): the default hook echoes {"echo": data}; this one adds a greeting.
  app.on('ws:connect', ({ ws }: { ws: { send(value: unknown): void } }) => ws.send({ hello: 'from krozen' }));
  return app;
}

if (require.main === module) {
  const app = createBasicApp({ port: Number(process.env.PORT ?? 8000), debug: true });
  void new Server(app).run().then((server) => {
    console.log(`Open http://127.0.0.1:${server.port}/  (Ctrl-C stops it gracefully)`);
  });
}
