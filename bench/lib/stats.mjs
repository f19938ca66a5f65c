// Small statistics helpers: medians over rounds, and a log-scaled latency histogram that workers can merge.

export function median(values) {
  const xs = values.filter((v) => typeof v === 'number' && Number.isFinite(v)).sort((a, b) => a - b);
  if (xs.length === 0) return null;
  const mid = xs.length >> 1;
  return xs.length % 2 ? xs[mid] : (xs[mid - 1] + xs[mid]) / 2;
}

// Bucket i holds latencies whose log2(µs + 1) * STEPS_PER_OCTAVE floors to i: about 0.35% wide.
export const STEPS_PER_OCTAVE = 200;
export const HISTOGRAM_BUCKETS = 26 * STEPS_PER_OCTAVE; // up to 2^26 µs (about 67 s)

export function newHistogram() {
  return new Float64Array(HISTOGRAM_BUCKETS);
}

export function record(histogram, micros) {
  const i = Math.floor(Math.log2(micros + 1) * STEPS_PER_OCTAVE);
  histogram[i < 0 ? 0 : i >= HISTOGRAM_BUCKETS ? HISTOGRAM_BUCKETS - 1 : i]++;
}

export function mergeInto(target, source) {
  for (let i = 0; i < target.length; i++) target[i] += source[i];
}

/** The latency (µs) under which fraction `q` of the recorded samples lie, or null when there are none. */
export function quantile(histogram, q) {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i];
  if (total === 0) return null;
  const target = q * total;
  let seen = 0;
  for (let i = 0; i < histogram.length; i++) {
    seen += histogram[i];
    if (seen >= target) return 2 ** ((i + 0.5) / STEPS_PER_OCTAVE) - 1; // bucket midpoint
  }
  return null;
}
