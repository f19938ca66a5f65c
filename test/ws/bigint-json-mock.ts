// A stand-in for lib/backend/json-codec's stringifyWithBigInt on every Node line (Node < 22 has no
// JSON.rawJSON): BigInts marked, then unquoted — what rawJSON produces. Used from jest.mock factories:
//   jest.mock('../../lib/backend/json-codec', () => require('./bigint-json-mock').jsonCodecWithBigInt());
export function jsonCodecWithBigInt(): Record<string, unknown> {
  const actual = jest.requireActual('../../lib/backend/json-codec');
  return {
    ...actual,
    stringifyWithBigInt: (value: unknown) =>
      JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? `@@${v.toString()}@@` : v)).replace(
        /"@@(-?\d+)@@"/g,
        '$1',
      ),
  };
}
