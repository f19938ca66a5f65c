#!/usr/bin/env node
// Draws the ratios of a results file as an SVG (no dependencies): one panel per suite, one pair of bars per
// server: throughput ÷ baseline (higher is better) and server CPU per op ÷ baseline (lower is better),
// on a log scale around 1× (the baseline).
//   node bench/chart.mjs [bench/results/latest.json] [bench/results/latest.svg]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const COLORS = { throughput: '#2f6db5', cpu: '#e07b22', rss: '#3c9a5f' };
const ROW_H = 16;
const BAR_H = 6;
const LABEL_W = 90;
const PLOT_W = 420;
const PANEL_GAP = 34;

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderChart(results) {
  const panels = Object.entries(results.suites).filter(
    ([, s]) => Array.isArray(s.rows) && s.rows.some((r) => r.throughputRatio !== null || r.cpuRatio !== null),
  );
  // Log scale around 1×: ratios are multiplicative (2× and 0.5× are the same distance from the baseline).
  const ratios = panels
    .flatMap(([, s]) => s.rows.flatMap((r) => [r.throughputRatio, r.cpuRatio, r.rssPerConnRatio]))
    .filter((v) => typeof v === 'number' && Number.isFinite(v) && v > 0);
  const lo = 2 ** Math.floor(Math.log2(Math.max(1 / 64, Math.min(1 / 4, ...ratios))));
  const hi = 2 ** Math.ceil(Math.log2(Math.min(64, Math.max(4, ...ratios))));
  const span = Math.log2(hi) - Math.log2(lo);
  const x = (v) => LABEL_W + ((Math.log2(Math.min(hi, Math.max(lo, v))) - Math.log2(lo)) / span) * PLOT_W;
  const parts = [];
  let y = 58;
  for (const [name, suite] of panels) {
    const idle = name === 'ws-idle';
    parts.push(
      `<text x="4" y="${y - 8}" font-weight="bold">${esc(name)} <tspan font-weight="normal" fill="#555">(vs ${esc(suite.baseline)})</tspan></text>`,
    );
    const rows = suite.rows.filter((r) => r.rounds > 0);
    const height = rows.length * ROW_H;
    for (let t = lo; t <= hi * 1.0001; t *= 2) {
      const tx = x(t).toFixed(1);
      parts.push(
        `<line x1="${tx}" y1="${y - 4}" x2="${tx}" y2="${y + height}" stroke="${Math.abs(t - 1) < 1e-9 ? '#666' : '#e4e4e4'}"/>`,
      );
      parts.push(
        `<text x="${tx}" y="${y + height + 9}" font-size="7" fill="#777" text-anchor="middle">${t >= 1 ? t : `1/${1 / t}`}</text>`,
      );
    }
    rows.forEach((r, i) => {
      const ry = y + i * ROW_H;
      parts.push(`<text x="${LABEL_W - 6}" y="${ry + 10}" text-anchor="end">${esc(r.server)}</text>`);
      const first = idle ? ['rss', r.rssPerConnRatio] : ['throughput', r.throughputRatio];
      [first, ['cpu', r.cpuRatio]].forEach(([key, v], j) => {
        if (typeof v !== 'number') return;
        const by = ry + j * (BAR_H + 1);
        const [a, b] = v >= 1 ? [x(1), x(v)] : [x(v), x(1)];
        parts.push(
          `<rect x="${a.toFixed(1)}" y="${by}" width="${Math.max(0.5, b - a).toFixed(1)}" height="${BAR_H}" fill="${COLORS[key]}"/>`,
        );
        const label = v >= 1 ? `x="${(b + 3).toFixed(1)}"` : `x="${(a - 3).toFixed(1)}" text-anchor="end"`;
        parts.push(`<text ${label} y="${by + BAR_H}" font-size="8">${v.toFixed(2)}×</text>`);
      });
    });
    y += height + PANEL_GAP;
  }
  const width = LABEL_W + PLOT_W + 60;
  const legend = [
    ['throughput', 'throughput ÷ baseline (higher is better)'],
    ['cpu', 'server CPU/op ÷ baseline (lower is better)'],
    ['rss', 'RSS/connection ÷ baseline (ws-idle)'],
  ].map(
    ([k, label], i) =>
      `<rect x="${4 + i * 215}" y="24" width="10" height="8" fill="${COLORS[k]}"/><text x="${18 + i * 215}" y="32" font-size="9">${esc(label)}</text>`,
  );
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
