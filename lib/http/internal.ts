// The built-in endpoints under /_internal: ordinary routes, so middleware sees them too.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getBackends } from '../backend';
import { buildOpenApiDocument } from './openapi';
import type { App } from '../app';

let cachedVersion: string | undefined;

/** The package's version, read once from package.json (one level above lib/ and dist/). */
export function packageVersion(): string {
  if (cachedVersion === undefined) {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    cachedVersion = pkg.version;
  }
  return cachedVersion;
}

export function registerInternalRoutes(app: App): void {
  const health = { status: 'ok' };
  app.get('/_internal/health', function health_() {
    return { body: health };
  }, { summary: 'Liveness check', tags: ['internal'], operationId: 'internalHealth' });

  app.get('/_internal/info', function info() {
    return {
      body: { version: packageVersion(), node: process.version, backends: getBackends(), plugins: app.pluginNames() },
    };
  }, { summary: 'Version, Node.js, backends and plugins', tags: ['internal'], operationId: 'internalInfo' });

  let openapi: { routeCount: number; doc: object } | undefined;
  app.get('/_internal/openapi.json', function openApiDocument() {
    const routes = app.routeList();
    // Built once per route table: routes are added at startup, the document is read at runtime.
    if (openapi === undefined || openapi.routeCount !== routes.length) {
      openapi = { routeCount: routes.length, doc: buildOpenApiDocument(routes, {
        title: 'krozen', version: packageVersion(), ...app.settings.openapi,
      }) };
    }
    return { body: openapi.doc };
  }, { summary: 'This OpenAPI 3.1 document', tags: ['internal'], operationId: 'internalOpenApi' });
}
