// The markdown tables of bench/ws-publish-redis.mjs: throughput (with the ratios to socket.io) and recovery.

const LABELS = {
  'krozen-rt': 'krozen-rt (app.realtime, krozen.v1) + Redis',
  krozen: 'krozen (app.ws, raw) + Redis',
  socketio: 'socket.io + @socket.io/redis-adapter',
};

export const fmt = (x, digits = 0) =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '—'
    : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** One row per server, then `<krozen…> / socket.io` ratio lines for deliveries/s and CPU per delivery. */
export function throughputTable(summary, servers) {
  const lines = [
    '| server | subscribers | publishes/s | deliveries/s | cross-process deliveries/s | cross-process p50 / p99 ms | same-process p50 / p99 ms | server CPU µs/delivery | wire B/message (subscriber) | wire B/publish (publisher) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const name of servers) {
    const s = summary[name];
    lines.push(
      `| ${LABELS[name] ?? name} | ${s.subscribers} | ${fmt(s.publishesPerSec)} | ${fmt(s.deliveriesPerSec)} | ${fmt(s.crossPerSec)} | ${fmt(s.crossP50, 1)} / ${fmt(s.crossP99, 1)} | ${fmt(s.localP50, 1)} / ${fmt(s.localP99, 1)} | ${fmt(s.serverCpuUsPerDelivery, 2)} | ${fmt(s.bytesPerDelivery, 1)} | ${fmt(s.bytesPerPublish, 1)} |`,
    );
  }
  const base = summary.socketio;
  const ratios = [];
  for (const name of ['krozen-rt', 'krozen']) {
    const s = summary[name];
    if (!s || !base?.deliveriesPerSec) continue;
    ratios.push(
      `${name} / socket.io: deliveries/s ${fmt(s.deliveriesPerSec / base.deliveriesPerSec, 2)}×, server CPU per delivery ${fmt(s.serverCpuUsPerDelivery / base.serverCpuUsPerDelivery, 2)}×, cross-process p99 ${fmt(s.crossP99 / base.crossP99, 2)}×, wire bytes per message ${fmt(s.bytesPerDelivery / base.bytesPerDelivery, 2)}×`,
    );
  }
  if (ratios.length > 0) lines.push('', ...ratios);
  return lines.join('\n');
}

const RUN_LABELS = {
  'krozen-rt': 'krozen-rt (krozen/client, recovery on the topic)',
  socketio: 'socket.io (socket.io-client, connectionStateRecovery)',
};

/** One row per recovery run; `opts` is { rate, seconds, cut }. */
export function recoveryTable(runs, { rate, seconds, cut }) {
  const lines = [
    '| recovery run | B during the cut | published | received | lost | duplicates | out of order | recovered | reconnected after |',
    '|---|---|---:|---:|---:|---:|---:|---|---:|',
  ];
  const failed = [];
  for (const r of runs) {
    const where = r.bystander ? 'keeps other subscribers' : "the client was B's only subscriber";
    if (r.error) {
      failed.push(`> ${r.server} (${where}): run failed: ${r.error}`);
      continue;
    }
    const after = r.reconnectMs === null ? 'never' : `${fmt(r.reconnectMs / 1000, 1)} s`;
    lines.push(
      `| ${RUN_LABELS[r.server] ?? r.server} | ${where} | ${fmt(r.published)} | ${fmt(r.received)} | ${fmt(r.lost)} | ${fmt(r.duplicates)} | ${fmt(r.outOfOrder)} | ${r.recoveredText} | ${after} |`,
    );
    if (r.errors.length > 0) failed.push(`> ${r.server}: client errors: ${r.errors.join(' | ')}`);
  }
  lines.push(
    '',
    `Recovery: a publisher on A at ${fmt(rate)} msg/s for ${fmt(seconds, 1)} s (each publish acknowledged: "published"); one subscriber on B through a TCP proxy that resets its connection ${fmt((seconds - cut) / 2, 1)} s in and refuses reconnections for ${fmt(cut, 1)} s; both clients retry within 1 s of the end of the cut (reconnect delay 250 ms, max 1 s). "lost" = published − distinct received, after the drain (up to 5 s, ending after 1 s with nothing received).`,
    ...failed,
  );
  return lines.join('\n');
}
