// Markdown tables for the terminal and the README.

export function fmtRate(x) {
  if (x === null || x === undefined) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(2)}k`;
  return x.toFixed(x >= 100 ? 0 : 1);
}

export function fmtLatency(us) {
  if (us === null || us === undefined) return '–';
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(2)} ms`;
  return `${us.toFixed(0)} µs`;
}

const fmt = (x, digits) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const fmtRatio = (x) => (x === null || x === undefined ? '–' : `${x.toFixed(2)}×`);

export function suiteTable(suite, rows) {
  // RSS per connection: ws-idle's WebSocket connections; the HTTP suites' idle keep-alive connections.
  const idle = suite.ws?.mode === 'idle' || suite.kind === 'http';
  const head = ['server', suite.unit, 'p50', 'p99', 'server CPU µs/op', 'peak RSS MB'];
  if (idle)
    head.push(suite.kind === 'http' ? 'RSS/idle keep-alive conn KB' : 'RSS/conn KB', `RSS/conn vs ${suite.baseline}`);
  head.push(`throughput vs ${suite.baseline}`, `CPU/op vs ${suite.baseline}`, 'notes');
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const r of rows) {
    if (r.rounds === 0) {
      lines.push(
        `| ${r.server} | ${head
          .slice(1, -1)
          .map(() => '–')
          .join(' | ')} | ${r.failures[0] ?? 'no data'} |`,
      );
      continue;
    }
    const notes = [];
    if (r.limit === 'generator') notes.push('generator-bound');
    if (r.limit === 'contended') notes.push(`CPU contended (machine ${Math.round((r.machineBusy ?? 0) * 100)}% busy)`);
    if (r.errors) notes.push(`${r.errors} errors`);
    if (r.failures.length) notes.push(`${r.failures.length} failed rounds`);
    const cells = [
      r.server,
      fmtRate(r.throughput),
      fmtLatency(r.p50),
      fmtLatency(r.p99),
      fmt(r.cpuPerOp, r.cpuPerOp >= 100 ? 0 : 1),
      fmt(r.peakRss === null ? null : r.peakRss / 1048576, 1),
    ];
    if (idle) cells.push(fmt(r.rssPerConn === null ? null : r.rssPerConn / 1024, 1), fmtRatio(r.rssPerConnRatio));
    cells.push(fmtRatio(r.throughputRatio), fmtRatio(r.cpuRatio), notes.join('; '));
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}
