// CORS (the Fetch standard's CORS protocol) as a plugin: `app.plugin(cors({ origin: 'https://app.example' }))`.
// A preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered at once with 204 and the
// allow-lists; other requests from an allowed origin get Access-Control-Allow-Origin (and, as configured,
// -Credentials / -Expose-Headers). A request from an origin that is not allowed gets no CORS headers: the
// browser then refuses to hand the response to the page. `Vary: Origin` whenever the answer depends on it.
import type { RequestHookHost } from './host';
import type { Request } from '../http/types';
import type { Response } from '../http/response';
import { ErrorCode, KrozenTypeError } from '../base/errors';

export type CorsOrigin =
  '*' | string | RegExp | ReadonlyArray<string | RegExp> | ((origin: string, req: Request) => boolean);

export interface CorsOptions {
  /** Who may read responses: '*' (default: anyone, without credentials), an origin, a list, a RegExp, or a function. */
  origin?: CorsOrigin;
  /** Methods a preflight allows (default GET, HEAD, PUT, PATCH, POST, DELETE). */
  methods?: readonly string[];
  /** Request headers a preflight allows (default: whatever the preflight asks for). */
  allowedHeaders?: readonly string[];
  /** Response headers the page may read besides the CORS-safelisted ones. */
  exposedHeaders?: readonly string[];
  /** Allow cookies / Authorization (Access-Control-Allow-Credentials: true); needs a specific origin. */
  credentials?: boolean;
  /** Seconds a browser may cache a preflight answer (Access-Control-Max-Age). */
  maxAge?: number;
}

const DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'];

function appendVary(res: Response, field: string): void {
  const current = res.headers.vary;
  if (current === undefined || current === '') res.headers.vary = field;
  else if (
    !String(current)
      .toLowerCase()
      .split(/\s*,\s*/)
      .includes(field.toLowerCase())
  )
    res.headers.vary = `${String(current)}, ${field}`;
}

function originMatcher(origin: CorsOrigin): (value: string, req: Request) => boolean {
  if (typeof origin === 'function') return origin;
  if (origin === '*') return () => true;
  const list = (Array.isArray(origin) ? origin : [origin]) as ReadonlyArray<string | RegExp>;
  for (const entry of list) {
    if (typeof entry !== 'string' && !(entry instanceof RegExp))
      throw new KrozenTypeError(ErrorCode.INVALID_OPTION, 'cors: origin entries must be strings or RegExps');
  }
  return (value) => list.some((entry) => (typeof entry === 'string' ? entry === value : entry.test(value)));
}

/** The CORS plugin (named 'cors'). Throws at setup for `credentials: true` with `origin: '*'`. */
/** The plugin cors() returns (a krozen Plugin: app.plugin(cors())). */
export interface CorsPlugin {
  name: 'cors';
  setup(app: RequestHookHost): void;
}

export function cors(options: CorsOptions = {}): CorsPlugin {
  const origin = options.origin ?? '*';
  const anyOrigin = origin === '*';
  if (anyOrigin && options.credentials) {
    throw new KrozenTypeError(
      ErrorCode.INVALID_OPTION,
      "cors: credentials: true needs a specific origin, not '*' (browsers refuse it, and reflecting any origin with credentials is unsafe)",
    );
  }
  const allowed = originMatcher(origin);
  const methods = (options.methods ?? DEFAULT_METHODS).map((m) => m.toUpperCase()).join(', ');
  const allowedHeaders = options.allowedHeaders?.join(', ');
  const exposed = options.exposedHeaders?.join(', ');
  const maxAge = options.maxAge === undefined ? undefined : String(Math.floor(options.maxAge));

  function apply(req: Request, res: Response): void {
    const requestOrigin = req.headers.origin;
    if (!anyOrigin) appendVary(res, 'Origin');
    if (requestOrigin === undefined || !allowed(requestOrigin, req)) return;
    res.headers['access-control-allow-origin'] = anyOrigin ? '*' : requestOrigin;
    if (options.credentials) res.headers['access-control-allow-credentials'] = 'true';
    const isPreflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!isPreflight) {
      if (exposed !== undefined) res.headers['access-control-expose-headers'] = exposed;
      return;
    }
    res.headers['access-control-allow-methods'] = methods;
    if (allowedHeaders !== undefined) {
      res.headers['access-control-allow-headers'] = allowedHeaders;
    } else {
      const asked = req.headers['access-control-request-headers'];
      if (asked !== undefined) {
        res.headers['access-control-allow-headers'] = asked;
        appendVary(res, 'Access-Control-Request-Headers');
      }
    }
    if (maxAge !== undefined) res.headers['access-control-max-age'] = maxAge;
    res.status = 204;
    res.body = undefined;
    res.stop = true;
  }

  return {
    name: 'cors',
    setup(app: RequestHookHost) {
      // Before the body: a preflight is answered without reading one, and the CORS headers are already on
      // the response when the body turns out too big (413) or malformed (400), so the page can read why.
      app.onRequest(apply);
    },
  };
}
