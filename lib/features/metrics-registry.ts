// A small Prometheus registry (text exposition format 0.0.4): counters, gauges and histograms with labels,
// plus gauges read when scraped. krozen's own series live here (metrics.ts) next to the user's (app.metrics).
// Written here rather than taken from prom-client: its observe(labels, v) hashes the label object on every
// call, ~840 ns a request against ~100 ns for HttpMetrics' start()+end() (both clock reads included;
// a micro-benchmark, Node 20, the shared dev machine), and it would be one more optional peer to load.
import { ErrorCode, KrozenTypeError } from '../base/errors';

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
export type Labels = Readonly<Record<string, string | number>>;

export interface MetricOptions {
  /** Prometheus name: [a-zA-Z_:][a-zA-Z0-9_:]* (counters end in `_total` by convention). */
  name: string;
  help: string;
  labelNames?: readonly string[];
}

export interface HistogramOptions extends MetricOptions {
  /** Upper bounds, increasing (default: Prometheus' 0.005 … 10 seconds). `+Inf` is added. */
  buckets?: readonly number[];
}

/** One sample as it is exposed. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus client libraries' default buckets, in seconds. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

abstract class Metric<S> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  abstract readonly type: MetricType;
  protected readonly series = new Map<string, { values: string[]; data: S }>();

  constructor(options: MetricOptions) {
    if (typeof options.name !== 'string' || !NAME.test(options.name))
      throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, `Invalid metric name ${JSON.stringify(options.name)}`);
    const labelNames = options.labelNames ?? [];
    for (const l of labelNames)
      if (!LABEL.test(l) || l.startsWith('__') || l === 'le' || l === 'quantile')
        throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, `Invalid label name ${JSON.stringify(l)}`);
    this.name = options.name;
    this.help = typeof options.help === 'string' ? options.help : '';
    this.labelNames = labelNames.slice();
  }

  protected abstract fresh(): S;

  /** The series for these label values, in labelNames order (made on first use; keep it for hot paths). */
  seriesFor(values: readonly string[]): S {
    const key = values.join('\u0000');
    let entry = this.series.get(key);
    if (entry === undefined) {
      if (values.length !== this.labelNames.length)
        throw new KrozenTypeError(
          ErrorCode.INVALID_ARGUMENT,
          `${this.name} takes labels ${this.labelNames.join(', ')}`,
        );
      entry = { values: values.slice(), data: this.fresh() };
      this.series.set(key, entry);
    }
    return entry.data;
  }

  protected at(labels: Labels | undefined): S {
    if (labels === undefined) return this.seriesFor([]);
    return this.seriesFor(this.labelNames.map((n) => (labels[n] === undefined ? '' : String(labels[n]))));
  }

  /** Every series: its labels and its data. */
  entries(): Array<{ labels: Record<string, string>; data: S }> {
    return Array.from(this.series.values(), (e) => ({ labels: labelObject(this.labelNames, e.values), data: e.data }));
  }

  abstract samples(): Sample[];
}

/** A value that only goes up (resets when the process restarts). */
export class Counter extends Metric<{ value: number }> {
  readonly type = 'counter';
  protected fresh(): { value: number } {
    return { value: 0 };
  }
  inc(labels?: Labels, by = 1): void {
    if (!(by >= 0)) throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, 'A counter only goes up');
    this.at(labels).value += by;
  }
  get(labels?: Labels): number {
    return this.at(labels).value;
  }
  samples(): Sample[] {
    return this.entries().map((e) => ({ name: this.name, labels: e.labels, value: e.data.value }));
  }
}

/** A value that goes up and down. */
export class Gauge extends Metric<{ value: number }> {
  readonly type = 'gauge';
  protected fresh(): { value: number } {
    return { value: 0 };
  }
  set(labels: Labels | undefined, value: number): void {
    this.at(labels).value = value;
  }
  inc(labels?: Labels, by = 1): void {
    this.at(labels).value += by;
  }
  dec(labels?: Labels, by = 1): void {
    this.at(labels).value -= by;
  }
  get(labels?: Labels): number {
    return this.at(labels).value;
  }
  samples(): Sample[] {
    return this.entries().map((e) => ({ name: this.name, labels: e.labels, value: e.data.value }));
  }
}

/** One histogram series: counts per bucket (not cumulative: summed when exposed), sum and count. */
export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }
}

/** Observations counted in buckets (request durations). */
export class Histogram extends Metric<HistogramSeries> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];
  constructor(options: HistogramOptions) {
    super(options);
    const buckets = options.buckets ?? DEFAULT_BUCKETS;
    if (!isBucketList(buckets))
      throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, `${options.name}: buckets must be finite and increasing`);
    this.buckets = buckets.slice();
  }
  protected fresh(): HistogramSeries {
    return new HistogramSeries(this.buckets);
  }
  observe(labels: Labels | undefined, value: number): void {
    this.at(labels).observe(value);
  }
  /** Cumulative bucket counts (the last is +Inf), sum and count of one series. */
  get(labels?: Labels): { buckets: number[]; sum: number; count: number } {
    const s = this.at(labels);
    return { buckets: cumulative(s.counts), sum: s.sum, count: s.count };
  }
  samples(): Sample[] {
    const out: Sample[] = [];
    for (const { labels, data } of this.entries()) {
      const cum = cumulative(data.counts);
      for (let i = 0; i < cum.length; i++) {
        const le = i < this.buckets.length ? formatNumber(this.buckets[i]) : '+Inf';
        out.push({ name: `${this.name}_bucket`, labels: { ...labels, le }, value: cum[i] });
      }
      out.push({ name: `${this.name}_sum`, labels, value: data.sum });
      out.push({ name: `${this.name}_count`, labels, value: data.count });
    }
    return out;
  }
}

/** A family whose samples are read when scraped (connections open, pub/sub counters, event-loop delay). */
export interface Collected {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  samples(): Sample[];
}

type Family = Counter | Gauge | Histogram | Collected;

export class MetricsRegistry {
  /** The Content-Type of render()'s text. */
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly families = new Map<string, Family>();

  counter(options: MetricOptions): Counter {
    return this.add(new Counter(options));
  }

  gauge(options: MetricOptions): Gauge {
    return this.add(new Gauge(options));
  }

  histogram(options: HistogramOptions): Histogram {
    return this.add(new Histogram(options));
  }

  /** A family computed at each scrape by `samples()`. */
  collect(family: Collected): void {
    this.add(family);
  }

  /** The family named `name`, if registered. */
  get(name: string): Family | undefined {
    return this.families.get(name);
  }

  /** Every sample of every family, as exposed (histograms as _bucket, _sum, _count). */
  samples(): Sample[] {
    const out: Sample[] = [];
    for (const f of this.families.values()) out.push(...f.samples());
    return out;
  }

  /** The value of one sample by its exposed name and exact labels (undefined: none). */
  value(name: string, labels: Record<string, string> = {}): number | undefined {
    const keys = Object.keys(labels);
    for (const s of this.samples()) {
      if (s.name !== name) continue;
      const have = Object.keys(s.labels);
      if (have.length === keys.length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
    return undefined;
  }

  /** The Prometheus text exposition of every family. */
  render(): string {
    let text = '';
    for (const f of this.families.values()) {
      text += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.samples()) text += `${s.name}${formatLabels(s.labels)} ${formatNumber(s.value)}\n`;
    }
    return text;
  }

  private add<F extends Family>(family: F): F {
    if (this.families.has(family.name))
      throw new KrozenTypeError(ErrorCode.INVALID_ARGUMENT, `A metric named ${family.name} is already registered`);
    this.families.set(family.name, family);
    return family;
  }
}

function isBucketList(b: unknown): b is readonly number[] {
  if (!Array.isArray(b) || b.length === 0) return false;
  for (let i = 0; i < b.length; i++) {
    if (typeof b[i] !== 'number' || !Number.isFinite(b[i])) return false;
    if (i > 0 && b[i] <= b[i - 1]) return false;
  }
  return true;
}

/** Whether `b` is a valid bucket list (settings.metrics.buckets). */
export const validBuckets = isBucketList;

function cumulative(counts: Float64Array): number[] {
  const out: number[] = [];
  let total = 0;
  for (const c of counts) out.push((total += c));
  return out;
}

function labelObject(names: readonly string[], values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = values[i];
  return out;
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function formatLabels(labels: Record<string, string>): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  return `{${names.map((n) => `${n}="${escapeLabel(labels[n])}"`).join(',')}}`;
}

// The exposition format's escapes: backslash and newline in help; backslash, quote and newline in labels.
function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
