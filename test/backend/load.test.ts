import { getBackends } from '../../lib/diagnostics';
import { native } from '../../lib/backend/load';

// The suite runs twice (.ci/run): with the addon, and with KROZEN_NO_NATIVE=1.
// A broken build must not pass silently on the fallback, so the backend is asserted.
const forcedOff = process.env.KROZEN_NO_NATIVE === '1';

test('the addon is loaded unless forced off', () => {
  expect(native !== null).toBe(!forcedOff);
  const backends = getBackends();
  expect(backends.server).toBe(process.env.KROZEN_TRANSPORT === 'node' ? 'node:http' : 'krozen');
  expect(getBackends('node').server).toBe('node:http');
  expect(getBackends('krozen').server).toBe('krozen');
  if (forcedOff) {
    expect(backends.loadError).toBe('KROZEN_NO_NATIVE=1');
    expect(backends.mask).toBe('js');
    expect(backends.json).toBe('js');
  } else {
    expect(backends.loadError).toBeUndefined();
  }
});
