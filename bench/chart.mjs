#!/usr/bin/env node
// Draws the ratios of a results file as an SVG (no dependencies): one panel per suite, one pair of bars per
// server: throughput ÷ baseline (higher is better) and server CPU per op ÷ baseline (lower is better).
//   node bench/chart.mjs [bench/results/latest.json] [bench/results/latest.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const COLORS = { throughput: '#2f6db5', cpu: '#e07b22', rss: '#3c9a5f' };
const ROW_H = 16;
const BAR_H = 6;
const LABEL_W = 90;
const PLOT_W = 360;
const PANEL_GAP = 34;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(results) {
  const panels = Object.entries(results.suites)
    .filter(([, s]) => Array.isArray(s.rows) && s.rows.some((r) => r.throughputRatio !== null || r.cpuRatio !== null));
  const maxRatio = Math.max(2, ...panels.flatMap(([, s]) => s.rows.flatMap((r) => [r.throughputRatio, r.cpuRatio, r.rssPerConnRatio]))
    .filter((x) => typeof x === 'number' && Number.isFinite(x)));
  const top = Math.min(Math.ceil(maxRatio * 2) / 2, 10); // clip extreme ratios: the label still shows the value
  const x = (v) => LABEL_W + (Math.min(v, top) / top) * PLOT_W;
  const parts = [];
  let y = 58;
  for (const [name, suite] of panels) {
    const idle = name === 'ws-idle';
    parts.push(`<text x="4" y="${y - 8}" font-weight="bold">${esc(name)} <tspan font-weight="normal" fill="#555">(vs ${esc(suite.baseline)})</tspan></text>`);
    const rows = suite.rows.filter((r) => r.rounds > 0);
    const height = rows.length * ROW_H;
    parts.push(`<line x1="${x(1)}" y1="${y - 4}" x2="${x(1)}" y2="${y + height}" stroke="#999" stroke-dasharray="3,3"/>`);
    rows.forEach((r, i) => {
      const ry = y + i * ROW_H;
      parts.push(`<text x="${LABEL_W - 6}" y="${ry + 10}" text-anchor="end">${esc(r.server)}</text>`);
      const first = idle ? ['rss', r.rssPerConnRatio] : ['throughput', r.throughputRatio];
      [first, ['cpu', r.cpuRatio]].forEach(([key, v], j) => {
        if (typeof v !== 'number') return;
        const by = ry + j * (BAR_H + 1);
        parts.push(`<rect x="${LABEL_W}" y="${by}" width="${(x(v) - LABEL_W).toFixed(1)}" height="${BAR_H}" fill="${COLORS[key]}"/>`);
        parts.push(`<text x="${(x(v) + 3).toFixed(1)}" y="${by + BAR_H}" font-size="8">${v.toFixed(2)}×</text>`);
      });
    });
    y += height + PANEL_GAP;
  }
  const width = LABEL_W + PLOT_W + 60;
  const legend = [['throughput', 'throughput ÷ baseline (higher is better)'], ['cpu', 'server CPU/op ÷ baseline (lower is better)'],
    ['rss', 'RSS/connection ÷ baseline (ws-idle)']]
    .map(([k, label], i) => `<rect x="${4 + i * 170}" y="24" width="10" height="8" fill="${COLORS[k]}"/><text x="${18 + i * 170}" y="32" font-size="9">${esc(label)}</text>`);
  const title = `krozen bench — ${esc(results.date ?? '')} — ${esc(results.machine?.cpu ?? '')}, ${esc(results.machine?.cores ?? '')} cores${results.options?.quick ? ' (--quick)' : ''}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width + 120}" height="${y}" font-family="sans-serif" font-size="10">
<rect width="100%" height="100%" fill="white"/>
<text x="4" y="14" font-size="11">${title}</text>
${legend.join('\n')}
${parts.join('\n')}
</svg>
`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const input = process.argv[2] ?? path.join(here, 'results', 'latest.json');
  const output = process.argv[3] ?? input.replace(/\.json$/, '.svg');
  writeFileSync(output, renderChart(JSON.parse(readFileSync(input, 'utf8'))));
  console.log(`wrote ${output}`);
}
