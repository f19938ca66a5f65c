// BodyPieces: body bytes held in order, small pieces coalesced into slabs, large ones kept as they came.
import { BodyPieces, KEEP_WHOLE } from '../../lib/transport/body-pieces';

test('one piece is kept as it came (no copy)', () => {
  const p = new BodyPieces(1024 * 1024);
  const only = Buffer.from('{"a":1}');
  p.add(only);
  expect(p.join()).toBe(only);
  expect(p.size).toBe(0);
});

test('tiny pieces become a few slabs; order kept across small and large pieces', () => {
  const p = new BodyPieces(1024 * 1024);
  const want: Buffer[] = [];
  for (let i = 0; i < 50_000; i++) {
    const piece = i % 5000 === 4999 ? Buffer.alloc(KEEP_WHOLE, 0x41 + (i % 26)) : Buffer.from([0x61 + (i % 26)]);
    want.push(piece);
    p.add(piece);
  }
  const size = want.reduce((n, b) => n + b.length, 0);
  expect(p.size).toBe(size);
  const pieces = p.take();
  // 50k pieces: the 10 large ones, and the 1-byte ones in at most one slab view between two large ones.
  expect(pieces.length).toBeLessThan(40);
  expect(Buffer.concat(pieces).equals(Buffer.concat(want))).toBe(true);
  expect(p.take()).toEqual([]);
});

test('a second small piece is copied into a slab no larger than the limit leaves room for', () => {
  const p = new BodyPieces(100);
  const first = Buffer.from('a');
  const second = Buffer.from('b');
  p.add(first);
  p.add(second);
  const [a, b] = p.take();
  expect(a).toBe(first);
  expect(b).not.toBe(second);
  expect(b.toString()).toBe('b');
});
