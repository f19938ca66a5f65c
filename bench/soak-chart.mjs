#!/usr/bin/env node
// Draws the soak's memory over time: node bench/soak-chart.mjs <soak log> <out.svg>
// Reads the "t= Ns rss X MiB heap Y MiB" lines `npm run soak` prints every 10 s and writes a small SVG
// with server RSS and heap (after a full GC) against time; the last half of the run, where the pass
// condition bounds growth, is shaded.
import { readFileSync, writeFileSync } from 'node:fs';

const [logFile, outFile] = process.argv.slice(2);
if (!logFile || !outFile) {
  console.error('usage: node bench/soak-chart.mjs <soak log> <out.svg>');
  process.exit(2);
}
const samples = [];
for (const line of readFileSync(logFile, 'utf8').split('\n')) {
  const m = /^t=\s*(\d+)s rss ([\d.]+) MiB heap ([\d.]+) MiB/.exec(line);
  if (m) samples.push({ t: Number(m[1]), rss: Number(m[2]), heap: Number(m[3]) });
}
if (samples.length < 2) {
  console.error(`${logFile}: fewer than two samples`);
  process.exit(1);
}
const title = (/^soak: .*$/m.exec(readFileSync(logFile, 'utf8')) ?? ['soak'])[0];
const W = 640,
  H = 260,
  L = 48,
  R = 110,
  T = 34,
  B = 32;
const tMax = samples[samples.length - 1].t;
const yMax = Math.ceil(Math.max(...samples.map((s) => s.rss)) / 50) * 50;
const x = (t) => L + ((W - L - R) * t) / tMax;
const y = (v) => H - B - ((H - T - B) * v) / yMax;
const path = (key) => samples.map((s, i) => `${i ? 'L' : 'M'}${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
const parts = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${L}" y="16" font-size="12">${esc(title.slice(0, 100))}</text>`,
  `<rect x="${x(tMax / 2)}" y="${T}" width="${x(tMax) - x(tMax / 2)}" height="${H - T - B}" fill="#f2f2f2"/>`,
  `<text x="${x(tMax / 2) + 4}" y="${T + 12}" fill="#777">last half: growth bound</text>`,
];
for (let v = 0; v <= yMax; v += yMax / 5) {
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
  parts.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${v} MiB</text>`);
}
for (let m = 0; m * 60 <= tMax; m += Math.max(1, Math.round(tMax / 60 / 10))) {
  parts.push(`<text x="${x(m * 60)}" y="${H - B + 16}" text-anchor="middle">${m} min</text>`);
}
const last = samples[samples.length - 1];
parts.push(`<path d="${path('rss')}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
parts.push(`<path d="${path('heap')}" fill="none" stroke="#ff7f0e" stroke-width="2"/>`);
parts.push(`<text x="${W - R + 6}" y="${y(last.rss) + 4}" fill="#1f77b4">RSS ${last.rss} MiB</text>`);
parts.push(`<text x="${W - R + 6}" y="${y(last.heap) + 4}" fill="#ff7f0e">heap ${last.heap} MiB</text>`);
parts.push('</svg>');
writeFileSync(outFile, parts.join('\n') + '\n');
console.log(`${outFile}: ${samples.length} samples over ${tMax} s`);
