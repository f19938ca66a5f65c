/**
 * Recovery ids are "<ms>-<seq>" (docs/realtime-protocol.md#recovery), ordered by (ms, seq) as numbers.
 * Returns < 0, 0 or > 0; null when either id is not of that form (then no order is assumed).
 */
export function compareIds(a: string, b: string): number | null {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return null;
  return x[0] !== y[0] ? x[0] - y[0] : x[1] - y[1];
}

function parse(id: string): [number, number] | null {
  const m = /^(\d{1,16})-(\d{1,16})$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : null;
}
