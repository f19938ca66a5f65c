// settings.trustProxy: the walk over X-Forwarded-For / Forwarded (RFC 7239) from the nearest hop outwards,
// stopping at the first hop not trusted, and the proto/host that come with it; the Origin check on the
// trusted host. Units here; behind a real nginx in test/e2e/nginx-proxy.test.ts.
import { parseForwarded } from '../../lib/http/forwarded';
import { resolveForwarded } from '../../lib/http/proxy';
import { compileTrust } from '../../lib/settings/proxy-trust';
import { originAllowed } from '../../lib/ws/origin';
import { createApp } from '../../lib/app';

test('Forwarded: elements, quoted values, IPv6 and ports, names; malformed → null', () => {
  expect(parseForwarded('for=192.0.2.60;proto=http;by=203.0.113.43')).toEqual([
    { for: '192.0.2.60', proto: 'http', by: '203.0.113.43' },
  ]);
  expect(parseForwarded('For="[2001:db8:cafe::17]:4711", for="198.51.100.17:80";Host="a.example:8443"')).toEqual([
    { for: '2001:db8:cafe::17' },
    { for: '198.51.100.17', host: 'a.example:8443' },
  ]);
  expect(parseForwarded('for=unknown, for=_hidden;proto=https')).toEqual([
    { for: 'unknown' },
    { for: '_hidden', proto: 'https' },
  ]);
  expect(parseForwarded('for="a\\"b"')).toEqual([{ for: 'a"b' }]);
  // A port outside quotes is not a token (RFC 7239 §6): malformed.
  for (const bad of ['for=1.2.3.4:80', 'for', 'for=', 'for="open', 'for=1.2.3.4 x', 'for=a;for=b', '=x', 'for=[::1]'])
    expect(parseForwarded(bad)).toBeNull();
});

const peer = '127.0.0.1';

test('not trusted: the peer is the client and the headers are ignored', () => {
  const info = resolveForwarded(
    { host: 'inner:8000', 'x-forwarded-for': '1.1.1.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'pub' },
    peer,
    compileTrust(false),
    false,
  );
  expect(info).toEqual({ ip: peer, ips: [], protocol: 'http', host: 'inner:8000', forwardedProtocol: false });
});

test('X-Forwarded-For: walked from the right while trusted; a spoofed left part stays the client’s claim', () => {
  const headers = { host: 'inner', 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.0.0.2', 'x-forwarded-proto': 'https' };
  // loopback + 10/8 trusted: 10.0.0.2 is a proxy, 203.0.113.9 the first untrusted hop: the client.
  const lan = resolveForwarded(headers, peer, compileTrust(['loopback', '10.0.0.0/8']), false);
  expect(lan.ip).toBe('203.0.113.9');
  expect(lan.ips).toEqual(['203.0.113.9', '10.0.0.2']);
  expect(lan.protocol).toBe('https');
  expect(lan.forwardedProtocol).toBe(true);
  // A hop count of 1: only the socket's peer is believed.
  expect(resolveForwarded(headers, peer, compileTrust(1), false).ip).toBe('10.0.0.2');
  expect(resolveForwarded(headers, peer, compileTrust(2), false).ip).toBe('203.0.113.9');
  // true: every hop, so the leftmost (which anyone can write) is the client.
  expect(resolveForwarded(headers, peer, compileTrust(true), false).ips).toEqual([
    '6.6.6.6',
    '203.0.113.9',
    '10.0.0.2',
  ]);
  // A peer outside the list: nothing is believed.
  expect(resolveForwarded(headers, '192.0.2.1', compileTrust('loopback'), false).ip).toBe('192.0.2.1');
  // Unknown protocols are ignored; the socket's stays.
  const odd = resolveForwarded({ 'x-forwarded-proto': 'gopher' }, peer, compileTrust(true), true);
  expect([odd.protocol, odd.forwardedProtocol]).toEqual(['https', false]);
});

test('Forwarded wins over X-Forwarded-*; proto and host come from the client’s element', () => {
  const headers = {
    host: 'inner',
    forwarded: 'for=203.0.113.9;proto=https;host=pub.example, for=10.0.0.2;proto=http;host=mid',
    'x-forwarded-for': '9.9.9.9',
    'x-forwarded-proto': 'http',
  };
  const info = resolveForwarded(headers, peer, compileTrust('loopback, 10.0.0.0/8'), false);
  expect(info).toEqual({
    ip: '203.0.113.9',
    ips: ['203.0.113.9', '10.0.0.2'],
    protocol: 'https',
    host: 'pub.example',
    forwardedProtocol: true,
  });
  // A malformed Forwarded is ignored: X-Forwarded-For is used.
  const broken = resolveForwarded({ forwarded: 'for="x', 'x-forwarded-for': '9.9.9.9' }, peer, compileTrust(1), false);
  expect(broken.ip).toBe('9.9.9.9');
});

test('req.ip / ips / protocol / host through the pipeline (app.inject: the peer is remoteAddress)', async () => {
  const app = createApp({ trustProxy: 'loopback' });
  app.get('/who', (req) => ({ body: { ip: req.ip, ips: req.ips, protocol: req.protocol, host: req.host } }));
  const headers = {
    host: 'inner',
    'x-forwarded-for': '1.2.3.4',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'pub',
  };
  const viaProxy = await app.inject({ url: '/who', headers });
  expect(viaProxy.json()).toEqual({ ip: '1.2.3.4', ips: ['1.2.3.4'], protocol: 'https', host: 'pub' });
  const direct = await app.inject({ url: '/who', headers, remoteAddress: '192.0.2.7' });
  expect(direct.json()).toEqual({ ip: '192.0.2.7', ips: [], protocol: 'http', host: 'inner' });
  const off = createApp();
  off.get('/who', (req) => ({ body: { ip: req.ip, ips: req.ips } }));
  expect((await off.inject({ url: '/who', headers })).json()).toEqual({ ip: '127.0.0.1', ips: [] });
});

test('Origin same-origin: the forwarded host, and the scheme when a trusted proxy gave one', () => {
  expect(originAllowed('same-origin', 'https://pub.example', 'pub.example')).toBe(true);
  expect(originAllowed('same-origin', 'https://pub.example', 'pub.example', 'https')).toBe(true);
  expect(originAllowed('same-origin', 'https://pub.example', 'pub.example', 'http')).toBe(false);
  expect(originAllowed('same-origin', 'http://pub.example:8080', 'pub.example:8080', 'http')).toBe(true);
  expect(originAllowed('same-origin', 'https://evil.example', 'pub.example', 'https')).toBe(false);
});
