// Rounds → one row per server: medians over rounds, and ratios to the suite's baseline peer.
import { median } from './stats.mjs';

const FIELDS = [
  'rate',
  'p50',
  'p99',
  'cpuPerOp',
  'peakRss',
  'rssPerConn',
  'serverCpuShare',
  'clientCpuShare',
  'machineBusy',
  'errors',
];

export function aggregate(suite, perServer) {
  const rows = [];
  for (const [server, { rounds, failures }] of Object.entries(perServer)) {
    const row = { server, rounds: rounds.length, failures, samples: rounds };
    for (const f of FIELDS) row[f] = median(rounds.map((r) => r[f]));
    if (suite.scale && row.rate !== null) row.throughput = row.rate * suite.scale;
    else row.throughput = row.rate;
    row.limit = majority(rounds.map((r) => r.limit));
    rows.push(row);
  }
  const base = rows.find((r) => r.server === suite.baseline && r.rounds > 0);
  for (const row of rows) {
    row.throughputRatio = ratio(row.throughput, base?.throughput);
    row.cpuRatio = ratio(row.cpuPerOp, base?.cpuPerOp);
    row.rssPerConnRatio = ratio(row.rssPerConn, base?.rssPerConn);
  }
  return { rows, baselineMissing: !base };
}

function ratio(a, b) {
  return typeof a === 'number' && typeof b === 'number' && b > 0 ? a / b : null;
}

/** The limit most rounds agree on ('generator', 'contended' or 'server'), or null without rounds. */
function majority(limits) {
  const counts = new Map();
  for (const l of limits) if (l) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = null;
  for (const [l, n] of counts) if (best === null || n > counts.get(best)) best = l;
  return best;
}

/**
 * The cost of TLS for each pair [server over TLS, the same server without]: both rows' CPU per operation and
 * throughput, and a line to print under the table. Pairs missing a row are left out.
 */
export function tlsCost(pairs, rows) {
  const out = [];
  for (const [withTls, plain] of pairs ?? []) {
    const a = rows.find((r) => r.server === withTls && r.rounds > 0);
    const b = rows.find((r) => r.server === plain && r.rounds > 0);
    if (!a || !b || !(a.cpuPerOp > 0) || !(b.cpuPerOp > 0) || !(b.throughput > 0)) continue;
    const cpuRatio = a.cpuPerOp / b.cpuPerOp;
    const throughputRatio = a.throughput / b.throughput;
    out.push({
      tls: withTls,
      plain,
      cpuPerOp: [a.cpuPerOp, b.cpuPerOp],
      cpuRatio,
      throughputRatio,
      line:
        `cost of TLS, ${withTls} vs ${plain}: server CPU ${b.cpuPerOp.toFixed(2)} → ${a.cpuPerOp.toFixed(2)} µs/op ` +
        `(+${(a.cpuPerOp - b.cpuPerOp).toFixed(2)} µs, ${cpuRatio.toFixed(2)}×), throughput ${throughputRatio.toFixed(2)}×`,
    });
  }
  return out;
}
