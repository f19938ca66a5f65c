// settings.jsonBigInt: pykrozen's data-integrity round trip of a time_ns() integer, on HTTP and WebSocket,
// under Node >= 22 (a child process: this node when new enough, else Node 22 from the registry); on a Node
// line without JSON.parse source text the setting is a clear startup error.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import { createApp } from '../lib/app';
import { Server } from '../lib/server';
import { BIGINT_JSON_SUPPORTED, parseJson, stringifyWithBigInt } from '../lib/backend/json-codec';
import { node22, nodeMajor } from './helpers/node22';
import { wsBase, httpBase } from './helpers/tls-lane';

const root = path.join(__dirname, '..');

/**
 * A nanosecond timestamp as Python's time.time_ns() gives it: 19 digits, past 2^53. Made odd: near 2^60
 * doubles are multiples of 256, so an odd value can never survive a trip through a Number (a time that
 * happens to be a multiple of 256 did, and made the "JSON.parse alone would lose it" assertion flaky).
 */
function timeNs(): string {
  const ns = BigInt(Date.now()) * 1_000_000n + BigInt(process.hrtime()[1] % 1_000_000);
  return (ns | 1n).toString();
}

describe('jsonBigInt on Node >= 22 (child process)', () => {
  let child: ChildProcess;
  let port: number;
  beforeAll(async () => {
    const bin = node22();
    child = spawn(bin, ['-r', './test/helpers/ts-register.js', './test/helpers/bigint-app.ts'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    child.stderr!.on('data', (d: Buffer) => (errors += d.toString()));
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`child not ready: ${errors}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /\{"ready":(\d+)\}/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code}: ${errors}`)));
    });
  }, 120_000);
  afterAll(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  });

  test('HTTP: a time_ns() integer comes back digit for digit, and the handler saw a BigInt', async () => {
    const ns = timeNs();
    expect(Number.isSafeInteger(Number(ns))).toBe(false);
    const res = await fetch(`${httpBase(port)}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"ts":${ns},"f":1.5,"n":42}`,
    });
    const text = await res.text();
    expect(text).toBe(`{"echo":{"ts":${ns},"f":1.5,"n":42},"type":"bigint"}`);
    // What JSON.parse alone would have done to it (the bug the setting fixes):
    expect(String(JSON.parse(`{"ts":${ns}}`).ts)).not.toBe(ns);
  });

  test('HTTP: a __proto__ key next to a big integer is still a 400 (jsonProto under the BigInt reviver)', async () => {
    const res = await fetch(`${httpBase(port)}/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: `{"ts":${timeNs()},"__proto__":{"admin":true}}`,
    });
    expect([res.status, await res.json()]).toEqual([400, { error: 'Forbidden JSON key __proto__' }]);
  });

  test('HTTP: BigInt values a handler returns are written exactly', async () => {
    const text = await (await fetch(`${httpBase(port)}/big`)).text();
    expect(text).toBe(`{"max":${2n ** 64n},"neg":${-(2n ** 70n)},"small":1,"list":[12345678901234567890]}`);
  });

  test('WebSocket: the same round trip, and a publish (ws client)', async () => {
    const ns = timeNs();
    const ws = new WebSocket(`${wsBase(port)}/ws`);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(`{"ts":${ns}}`);
    expect(await reply).toBe(`{"echo":{"ts":${ns}},"type":"bigint"}`);
    // A publish of a BigInt reaches subscribers exact too.
    const published = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(`{"ts":${ns},"publish":true}`);
    expect(await published).toBe(`{"published":${ns}}`);
    // So does one through app.wsHub.publish (this process only), as ws.send would write it.
    const fromHub = new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())));
    ws.send(`{"ts":${ns},"hubPublish":true}`);
    expect(await fromHub).toBe(`{"hub":${ns}}`);
    ws.close();
  });
});

describe('on this Node line', () => {
  test(`BIGINT_JSON_SUPPORTED is ${nodeMajor() >= 22} on Node ${process.versions.node}`, () => {
    expect(BIGINT_JSON_SUPPORTED).toBe(nodeMajor() >= 22);
  });

  if (nodeMajor() < 22) {
    test('jsonBigInt: true is a clear startup error', async () => {
      const server = new Server(createApp({ port: 0, jsonBigInt: true }));
      await expect(server.run()).rejects.toThrow(
        /settings\.jsonBigInt needs Node\.js 22 or newer .* this is Node\.js v20/,
      );
    });
  } else {
    test('parseJson / stringifyWithBigInt in process', () => {
      const v = parseJson('{"a":18446744073709551616,"b":9007199254740991,"c":-9007199254740993,"d":1e21}', {
        jsonMaxDepth: 10,
        jsonBigInt: true,
        jsonProto: 'error',
      }) as Record<string, unknown>;
      expect(v).toEqual({ a: 18446744073709551616n, b: 9007199254740991, c: -9007199254740993n, d: 1e21 });
      expect(stringifyWithBigInt(v)).toBe(
        '{"a":18446744073709551616,"b":9007199254740991,"c":-9007199254740993,"d":1e+21}',
      );
    });
  }

  test('jsonBigInt off (default): big integers are JSON numbers, as JSON.parse gives them', () => {
    expect(parseJson('[18446744073709551616]', { jsonMaxDepth: 10, jsonBigInt: false, jsonProto: 'error' })).toEqual([
      18446744073709551616,
    ]);
  });
});
