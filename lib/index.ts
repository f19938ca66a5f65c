// krozen's public API.
export { getBackends, encodeJson } from './backend';
export type { Backends } from './backend';
export { settings, createSettings } from './settings';
export type { Settings, PerMessageDeflateOptions } from './settings';
export { Hooks } from './hooks';
