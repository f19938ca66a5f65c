// The pipeline's request: independent of node:http's object except `raw`.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Request } from './types';
import { parseQuery } from './query';

export class KrozenRequest implements Request {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  params: Record<string, string>;
  body: unknown = undefined;
  extra: Record<string, unknown> = {};
  raw: IncomingMessage;
  /** The raw query string (after `?`, before any `#`), parsed on first read of `query`. */
  private rawQuery: string;
  private parsedQuery: Record<string, string> | undefined;

  constructor(method: string, path: string, rawQuery: string, params: Record<string, string>, raw: IncomingMessage) {
    this.method = method;
    this.path = path;
    this.headers = raw.headers;
    this.params = params;
    this.raw = raw;
    this.rawQuery = rawQuery;
    this.parsedQuery = undefined;
  }

  get query(): Record<string, string> {
    if (this.parsedQuery === undefined) this.parsedQuery = parseQuery(this.rawQuery);
    return this.parsedQuery;
  }

  /** Parses the query now (the pipeline does this when it holds `%`, so bad encoding is always a 400). */
  validateQuery(): void {
    void this.query;
  }
}
