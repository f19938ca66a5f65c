// Plugins: a name (listed at /_internal/info) and a setup(app) called at once by app.plugin().
import type { App } from './app';

export interface Plugin {
  name: string;
  setup(app: App): void;
}

export function assertPlugin(p: unknown): asserts p is Plugin {
  const candidate = p as Partial<Plugin> | null;
  if (candidate === null || (typeof candidate !== 'object' && typeof candidate !== 'function')) {
    throw new TypeError('A plugin must be an object with a name and a setup(app) function');
  }
  if (typeof candidate.setup !== 'function') throw new TypeError('A plugin needs a setup(app) function');
  if (typeof candidate.name !== 'string' || candidate.name.length === 0) throw new TypeError('A plugin needs a name');
}
