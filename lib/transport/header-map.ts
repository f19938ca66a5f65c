// The object request headers are kept in (krozen's parsers, app.inject): its prototype has no prototype, so
// a field named `constructor`, `__proto__` or `toString` is a field like any other (no inherited value to
// join onto, no prototype to set), and the object is still an ordinary fast-mode one (Object.create(null)
// makes a dictionary-mode object, slower to build and read).
import type { IncomingHttpHeaders } from 'node:http';

export const HeaderMap = function HeaderMap() {} as unknown as new () => IncomingHttpHeaders;
HeaderMap.prototype = Object.create(null);
