// The HTTP pipeline's steps on a WebSocket upgrade: `request` hooks (app.onRequest) → middleware, then (in
// upgrade.ts) Origin → upgrade() / ws:upgrade → 101; `response` hooks (app.onResponse) see every answer:
// the 101 (status 101) or the refusal. `res.stop = true` or a throw refuses with that answer and no 101;
// headers set on `res` go out with the 101 (Set-Cookie…). An app with none of these pays nothing: upgrade.ts
// skips this file.
import type { HookRunner } from '../base/hook-runner';
import { isThenable, runPhase } from '../base/hook-runner';
import { logError } from '../base/logger';
import type { Settings } from '../settings/index';
import type { HeaderValue } from '../base/http-grammar';
import { bindCookieSecret } from '../http/cookies';
import type { HttpHookContext, Middleware } from '../http/exchange';
import { HttpError } from '../http/http-error';
import { headersKept } from '../http/respond';
import { Response } from '../http/response';
import { UpgradeRequestView, type UpgradeHttpRequest } from './upgrade-request';

/** What the upgrade's pipeline needs from the app. */
export interface UpgradePipelineHost {
  readonly hooks: HookRunner;
  readonly middleware: readonly Middleware[];
}

/** Whether any step of the pipeline applies to upgrades (else upgrade.ts takes its direct path). */
export function hasUpgradePipeline(host: UpgradePipelineHost): boolean {
  const hooks = host.hooks;
  return host.middleware.length > 0 || (hooks.httpHooks && (hooks.has('request') || hooks.has('response')));
}

/** One upgrade on its way through the pipeline: the context of its `request` and `response` hooks. */
export class UpgradeCall implements HttpHookContext {
  readonly res: Response;
  /** The upgrade request as hooks and middleware see it (an HTTP Request). */
  readonly req: UpgradeRequestView;

  constructor(
    readonly host: UpgradePipelineHost,
    upgrade: UpgradeHttpRequest,
    readonly settings: Pick<Settings, 'cookieSecret' | 'logger'>,
  ) {
    this.req = new UpgradeRequestView(upgrade, settings.logger);
    this.res = bindCookieSecret(new Response(undefined, 200), settings.cookieSecret);
  }
}

export interface Answer {
  status: number;
  headers: Record<string, HeaderValue>;
  body: unknown;
}

/**
 * `request` hooks, then middleware: `next()` when they let the upgrade go on, `refuse(answer)` when one
 * stopped it (res.stop) or threw (an HttpError's status, else a logged 500). Sync hooks stay sync.
 */
export function runBeforeUpgrade(call: UpgradeCall, next: () => void, refuse: (answer: Answer) => void): void {
  const fail = (_: UpgradeCall, err: unknown): void => refuse(errorAnswer(call, err));
  const afterHooks = (): void => {
    if (call.res.stop) refuse(stoppedAnswer(call));
    else runMiddleware(call, 0, next, refuse, fail);
  };
  const hooks = call.host.hooks;
  if (!hooks.httpHooks || !hooks.has('request')) return afterHooks();
  runPhase(hooks, 'request', call, call, afterHooks, fail, isStopped);
}

function runMiddleware(
  call: UpgradeCall,
  start: number,
  next: () => void,
  refuse: (answer: Answer) => void,
  fail: (call: UpgradeCall, err: unknown) => void,
): void {
  const chain = call.host.middleware;
  for (let i = start; i < chain.length; i++) {
    let result: unknown;
    try {
      result = chain[i](call.req, call.res);
    } catch (err) {
      return fail(call, err);
    }
    if (isThenable(result)) {
      result.then(
        () => (call.res.stop ? refuse(stoppedAnswer(call)) : runMiddleware(call, i + 1, next, refuse, fail)),
        (err: unknown) => fail(call, err),
      );
      return;
    }
    if (call.res.stop) return refuse(stoppedAnswer(call));
  }
  next();
}

function isStopped(call: UpgradeCall): boolean {
  return call.res.stop;
}

function stoppedAnswer(call: UpgradeCall): Answer {
  const res = call.res;
  return { status: res.status, headers: { ...res.headers }, body: res.body };
}

/** A refusal after the pipeline ran: its status and body, with the headers middleware set (CORS…) kept. */
export function errorAnswer(call: UpgradeCall | null, err: unknown): Answer {
  const headers = call === null ? {} : headersKept(call.res);
  if (err instanceof HttpError) {
    if (err.headers !== undefined) Object.assign(headers, err.headers);
    return { status: err.status, headers, body: err.body === undefined ? { error: err.message } : err.body };
  }
  logError(call?.settings.logger, 'a WebSocket upgrade hook or middleware failed; answering 500', err);
  return { status: 500, headers, body: { error: 'Internal Server Error' } };
}

/**
 * The `response` hooks on the answer about to go out (a refusal, or the 101 with status 101), then `write`
 * with what they leave. A response hook that throws is logged; the answer goes out as it stands.
 */
export function runResponseHooks(call: UpgradeCall, answer: Answer, write: (answer: Answer) => void): void {
  const hooks = call.host.hooks;
  if (!hooks.httpHooks || !hooks.has('response')) return write(answer);
  const res = bindCookieSecret(new Response(answer.body, answer.status, answer.headers), call.settings.cookieSecret);
  const ctx: HttpHookContext = { req: call.req, res };
  const done = (): void => write({ status: res.status, headers: res.headers, body: res.body });
  runPhase(hooks, 'response', ctx, call, done, (_, err) => {
    logError(call.settings.logger, 'a response hook threw', err, { method: call.req.method, path: call.req.path });
    done();
  });
}
