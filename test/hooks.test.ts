// Hook names are data: on() with a name that is not an event throws at once (tsc catches it earlier: see
// test/types/hook-types.test.ts), and hooks for other HTTP methods are accepted.
import { createApp } from '../lib/app';
import { Hooks, type HookName } from '../lib/hooks';

test('app.on() with a misspelt event name throws a TypeError that lists the events', () => {
  const app = createApp();
  expect(() => app.on('ws:mesage' as HookName, () => undefined)).toThrow(TypeError);
  expect(() => app.on('ws:mesage' as HookName, () => undefined)).toThrow(/Unknown hook event "ws:mesage".*ws:message/);
  expect(() => app.on('http:gett' as HookName, () => undefined)).toThrow(/Unknown hook event "http:gett"/);
  expect(() => app.on('' as HookName, () => undefined)).toThrow(/Unknown hook event ""/);
  expect(app.hooks.has('ws:mesage')).toBe(false);
});

test('every typed event and http:<method> of any HTTP method are accepted', () => {
  const hooks = new Hooks();
  const names: HookName[] = [
    'server:start',
    'server:stop',
    'error',
    'ws:connect',
    'ws:message',
    'ws:disconnect',
    'http:get',
    'http:get:after',
    'http:options:after',
  ];
  for (const name of names) hooks.on(name, () => undefined);
  hooks.on('http:purge' as HookName, () => undefined);
  hooks.on('http:propfind:after' as HookName, () => undefined);
  for (const name of [...names, 'http:purge', 'http:propfind:after']) expect(hooks.has(name)).toBe(true);
});

test('a hook that is not a function throws', () => {
  expect(() => new Hooks().on('ws:message', 'nope' as never)).toThrow(/must be a function/);
});
