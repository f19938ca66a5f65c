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
