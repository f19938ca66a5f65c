// Loads the native addon once. KROZEN_NO_NATIVE=1 (read here, at load) forces the JS twins;
// a failed load never throws: the JS twins run and `loadError` says why.
import * as path from 'node:path';

/** The addon's exports; each backend module (mask.ts, json.ts) narrows what it uses. */
export type NativeBinding = Record<string, unknown>;

// lib/backend (ts-jest/swc) and dist/backend (tsc) are both two levels below the package root.
const packageRoot = path.join(__dirname, '..', '..');

function load(): { binding: NativeBinding | null; loadError?: string } {
  if (process.env.KROZEN_NO_NATIVE === '1') return { binding: null, loadError: 'KROZEN_NO_NATIVE=1' };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const nodeGypBuild = require('node-gyp-build') as (root: string) => NativeBinding;
    return { binding: nodeGypBuild(packageRoot) };
  } catch (err) {
    return { binding: null, loadError: (err as Error).message };
  }
}

const loaded = load();

/** The addon, or null when the JS twins run. */
export const native: NativeBinding | null = loaded.binding;
/** Why the addon is not in use, when it is not. */
export const loadError: string | undefined = loaded.loadError;
