// Types of attack-routes.js (plain CommonJS: the soak's server loads it without a TypeScript hook).
import type { App } from '../../lib/app';
/** Adds GET /bytes, /stream, /slow and POST /sink (the attackers' routes) to `app`. */
export function addAttackRoutes(app: App): void;
