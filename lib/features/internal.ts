// The built-in endpoints under /_internal: ordinary routes, so middleware sees them too.
// /_internal/health is always on (load balancers and orchestrators probe it; it says only "ok").
// /_internal/info (versions, backends, plugin names) and /_internal/openapi.json (every route) tell an
// attacker what runs and where to look, so they answer only when settings.infoEndpoint /
// settings.openapiEndpoint are true; otherwise they are the same 404 as an unknown path. The settings
// are read per request, so they may be set after createApp().
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getBackends } from '../diagnostics';
import { servingTransport } from '../settings/index';
import { buildOpenApiDocument } from './openapi';
import type { InternalRoutesHost } from './host';
import type { Request, ResponseInit } from '../http/types';

let cachedVersion: string | undefined;

/** The package's version, read once from package.json (one level above lib/ and dist/). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

export function registerInternalRoutes(app: InternalRoutesHost): void {
  const health = { status: 'ok' };
  app.get(
    '/_internal/health',
    function health_() {
      return { body: health };
    },
    { summary: 'Liveness check', tags: ['internal'], operationId: 'internalHealth' },
  );

  app.get(
    '/_internal/info',
    function info(req) {
      if (!app.settings.infoEndpoint) return notFound(req);
      return {
        body: {
          version: packageVersion(),
          node: process.version,
          backends: getBackends(servingTransport(app.settings), app.settings.tls !== undefined),
          plugins: app.pluginNames(),
          pubsub: app.pubsub.stats(),
        },
      };
    },
    {
      summary: 'Version, Node.js, backends, plugins and pub/sub counters',
      tags: ['internal'],
      operationId: 'internalInfo',
    },
  );

  let openapi: { routeCount: number; doc: object } | undefined;
  app.get(
    '/_internal/openapi.json',
    function openApiDocument(req) {
      if (!app.settings.openapiEndpoint) return notFound(req);
      const routes = app.routeList().filter((r) => isPublished(app, r.path));
      // Built once per route table: routes are added at startup, the document is read at runtime.
      if (openapi === undefined || openapi.routeCount !== routes.length) {
        openapi = {
          routeCount: routes.length,
          doc: buildOpenApiDocument(routes, {
            title: 'krozen',
            version: packageVersion(),
            ...app.settings.openapi,
          }),
        };
      }
      return { body: openapi.doc };
    },
    { summary: 'This OpenAPI 3.1 document', tags: ['internal'], operationId: 'internalOpenApi' },
  );
}

/** What an unknown path answers (pipeline.ts noRoute): a disabled endpoint looks like none at all. */
function notFound(req: Request): ResponseInit {
  return { status: 404, body: { error: 'Not Found', method: req.method, path: req.path } };
}

/** A disabled built-in endpoint is left out of the OpenAPI document too. */
function isPublished(app: InternalRoutesHost, path: string): boolean {
  if (path === '/_internal/info') return app.settings.infoEndpoint;
  return true;
}
