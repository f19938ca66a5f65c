// Settings are resolved once when the server starts: every value checked (a bad one is an error naming the
// setting), then a frozen copy is what the server reads.
import { createApp } from '../lib/app';
import { Server } from '../lib/server';
import { SETTING_RULES, createSettings, resolveSettings, type Settings } from '../lib/settings/index';

test('the defaults pass, and the result is a frozen copy (nested objects too)', () => {
  const input = createSettings({ wsPerMessageDeflate: { threshold: 10 }, openapi: { title: 't' } });
  const resolved = resolveSettings(input);
  expect(resolved).toEqual(input);
  expect(resolved).not.toBe(input);
  expect(Object.isFrozen(resolved)).toBe(true);
  expect(Object.isFrozen(resolved.openapi)).toBe(true);
  expect(Object.isFrozen(resolved.wsPerMessageDeflate)).toBe(true);
  input.port = 1234; // the input stays the user's to change; the resolved copy does not follow
  expect(resolved.port).toBe(8000);
});

test('every setting has a rule', () => {
  expect(Object.keys(SETTING_RULES).sort()).toEqual(Object.keys(createSettings()).sort());
});

test.each<[Partial<Record<keyof Settings, unknown>>, RegExp]>([
  [{ port: 70000 }, /^settings\.port must be an integer from 0 to 65535 \(got 70000\)$/],
  [{ port: '80' }, /settings\.port must be an integer .*\(got "80"\)/],
  [{ workers: 0 }, /settings\.workers must be an integer >= 1/],
  [{ wsMaxPayload: -1 }, /settings\.wsMaxPayload must be an integer >= 0 \(got -1\)/],
  [{ wsMaxPayload: 1.5 }, /settings\.wsMaxPayload/],
  [{ wsIdleTimeout: NaN }, /settings\.wsIdleTimeout .*\(got NaN\)/],
  [{ wsBackpressurePolicy: 'drp' }, /settings\.wsBackpressurePolicy must be one of "drop", "close" \(got "drp"\)/],
  [{ wsPath: 'ws' }, /settings\.wsPath must be a path starting with '\/'/],
  [{ debug: 'yes' }, /settings\.debug must be true or false/],
  [{ handleSignals: 'no' }, /^settings\.handleSignals must be true or false \(got "no"\)$/],
  [{ uploadDir: '' }, /^settings\.uploadDir must be a directory path \(got ""\)$/],
  [{ uploadDir: 5 }, /settings\.uploadDir must be a directory path/],
  [{ uploadMaxTotalSize: -1 }, /settings\.uploadMaxTotalSize must be an integer >= 0/],
  [
    { wsPerMessageDeflate: { serverMaxWindowBits: 16 } },
    /settings\.wsPerMessageDeflate must be .*\(got \{"serverMaxWindowBits":16\}\)/,
  ],
  [{ wsPerMessageDeflate: 'on' }, /settings\.wsPerMessageDeflate/],
  [{ openapi: { title: 1 } }, /settings\.openapi must be/],
  [{ jsonProto: 'strip' }, /^settings\.jsonProto must be one of "error", "remove", "allow" \(got "strip"\)$/],
  [{ jsonProto: true }, /settings\.jsonProto must be one of .*\(got true\)/],
  [{ wsMaxMessagesPerSecond: -1 }, /^settings\.wsMaxMessagesPerSecond must be an integer >= 0 \(got -1\)$/],
  [{ wsMaxMessagesPerSecond: 2.5 }, /settings\.wsMaxMessagesPerSecond must be an integer >= 0 \(got 2\.5\)/],
  [{ metrics: 'on' }, /settings\.metrics must be true, false or \{ path\?/],
  [{ metrics: { path: 'metrics' } }, /settings\.metrics must be .*\(got \{"path":"metrics"\}\)/],
  [{ metrics: { buckets: [1, 0.5] } }, /settings\.metrics must be .*buckets/],
  [{ tracing: 1 }, /settings\.tracing must be true or false/],
  [{ requestId: 'on' }, /settings\.requestId must be true, false or \{ header\?/],
  [{ requestId: { header: 'x id' } }, /settings\.requestId must be/],
  [{ requestId: { trustHeader: 'yes' } }, /settings\.requestId must be/],
  [{ requestId: { generate: 'uuid' } }, /settings\.requestId must be/],
  [{ requestId: { headr: 'x-id' } }, /settings\.requestId must be/],
  [{ trustProxy: -1 }, /settings\.trustProxy must be false, true, a hop count/],
  [{ trustProxy: 1.5 }, /settings\.trustProxy must be/],
  [{ trustProxy: 'localhost' }, /settings\.trustProxy must be .*\(got "localhost"\)/],
  [{ trustProxy: ['10.0.0.0/33'] }, /settings\.trustProxy must be/],
  [{ trustProxy: [1] }, /settings\.trustProxy must be/],
  [{ recoveryMaxMessages: 0 }, /^settings\.recoveryMaxMessages must be an integer >= 1 \(got 0\)$/],
  [{ recoveryMaxAge: 1.5 }, /settings\.recoveryMaxAge must be an integer >= 1/],
  [{ recoveryMaxBytes: '64MB' }, /settings\.recoveryMaxBytes must be an integer >= 1/],
  [{ realtimeMaxSubscriptions: 0 }, /settings\.realtimeMaxSubscriptions must be an integer >= 1/],
  [{ realtimeMaxPendingRequests: -1 }, /settings\.realtimeMaxPendingRequests must be an integer >= 1/],
  [{ realtimeRequestTimeout: 0 }, /settings\.realtimeRequestTimeout must be an integer >= 1/],
  [{ redisCluster: [] }, /^settings\.redisCluster must be a non-empty list of redis:\/\/ or rediss:\/\/ URLs/],
  [{ redisCluster: 'redis://127.0.0.1:7000' }, /settings\.redisCluster must be/],
  [{ redisCluster: ['127.0.0.1:7000'] }, /settings\.redisCluster must be .*\(got \["127\.0\.0\.1:7000"\]\)/],
  [{ http2: 'h2' }, /^settings\.http2 must be false, true \(HTTP\/2 over settings\.tls\) or 'h2c'.*\(got "h2"\)$/],
  [{ http2: true }, /^settings\.http2 = true needs settings\.tls/],
  [{ http2MaxConcurrentStreams: 0 }, /^settings\.http2MaxConcurrentStreams must be an integer from 1 to 2147483647/],
])('%j is refused with an error naming the setting', (override, message) => {
  expect(() => resolveSettings({ ...createSettings(), ...override } as Settings)).toThrow(message);
});

test.each<[Partial<Settings>]>([
  [{ requestId: true }],
  [{ requestId: { header: 'X-Correlation-Id', trustHeader: true, generate: () => 'a' } }],
  [{ trustProxy: true }],
  [{ trustProxy: 2 }],
  [{ redisCluster: ['redis://127.0.0.1:7000', 'rediss://10.0.0.2:7001'] }],
  [{ trustProxy: 'loopback' }],
  [{ trustProxy: 'loopback, 10.0.0.0/8' }],
  [{ trustProxy: ['uniquelocal', 'linklocal', '192.0.2.1', '2001:db8::/32'] }],
  [{ http2: 'h2c', http2MaxConcurrentStreams: 1000 }],
  [{ http2: true, tls: { key: 'k', cert: 'c' } }],
])('%j is accepted', (override) => {
  expect(() => resolveSettings(createSettings(override))).not.toThrow();
});

test('HTTP/2 is off by default, with 100 concurrent streams per session when on', () => {
  expect(createSettings().http2).toBe(false);
  expect(createSettings().http2MaxConcurrentStreams).toBe(100);
});

test('requestId and trustProxy are off by default', () => {
  expect(createSettings().requestId).toBe(false);
  expect(createSettings().trustProxy).toBe(false);
});

test('recovery and realtime bounds have their documented defaults', () => {
  const s = createSettings();
  expect([s.recoveryMaxMessages, s.recoveryMaxAge, s.recoveryMaxBytes]).toEqual([1000, 120_000, 64 * 1024 * 1024]);
  expect([s.realtimeMaxSubscriptions, s.realtimeMaxPendingRequests, s.realtimeRequestTimeout]).toEqual([
    256, 64, 10_000,
  ]);
});

test('an unknown setting name (a typo) is refused', () => {
  expect(() => resolveSettings({ ...createSettings(), wsMaxPayloadd: 5 } as unknown as Settings)).toThrow(
    /Unknown setting "wsMaxPayloadd"/,
  );
});

test('Server.run() rejects bad settings before it listens', async () => {
  const app = createApp({ port: 0, wsMaxFragments: 0 });
  await expect(new Server(app).run()).rejects.toThrow(/settings\.wsMaxFragments must be an integer >= 1 \(got 0\)/);
});
