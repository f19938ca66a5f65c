// How the property-based fuzz suites run. In `npm test` (CI): a fixed seed and a small number of runs per
// property, so the suites are short and reproducible. Under `npm run fuzz -- --minutes N`
// (scripts/fuzz.mjs): a fresh seed, and as many runs as fit in each property's share of the time.
// Every property reports its executions to FUZZ_REPORT (a JSON-lines file) so the runner can total them,
// and a failure names its seed and path: rerun it with FUZZ_SEED=<seed> FUZZ_PATH=<path>.
import * as fs from 'node:fs';
import fc from 'fast-check';

const minutes = Number(process.env.FUZZ_MINUTES ?? 0);
/** The long run's share of time for one property, ms (0: CI mode). */
const budgetMs = minutes > 0 ? (minutes * 60_000) / Number(process.env.FUZZ_PROPERTIES ?? 1) : 0;
const fixedSeed = 0x6b726f7a; // "kroz"

/** Runs `property`: fixed seed and `ciRuns` runs in CI, time-boxed with a random seed in a long run. */
export function fuzz<T>(name: string, property: fc.IAsyncProperty<T>, ciRuns: number): Promise<void>;
export function fuzz<T>(name: string, property: fc.IProperty<T>, ciRuns: number): void;
export function fuzz<T>(
  name: string,
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  ciRuns: number,
): Promise<void> | void {
  const seed =
    process.env.FUZZ_SEED !== undefined
      ? Number(process.env.FUZZ_SEED)
      : budgetMs > 0
        ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0
        : fixedSeed;
  const params: fc.Parameters<T> =
    budgetMs > 0
      ? { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false }
      : { seed, numRuns: ciRuns };
  if (process.env.FUZZ_PATH !== undefined) params.path = process.env.FUZZ_PATH;
  const finish = (details: fc.RunDetails<T>): void => {
    report(name, details);
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? `\n${details.errorInstance.message}` : '';
      const message = (fc.defaultReportMessage(details) ?? 'property failed') + cause;
      throw new Error(
        `fuzz '${name}' failed — seed ${details.seed}, path ${details.counterexamplePath}\n` +
          `rerun: FUZZ_SEED=${details.seed} FUZZ_PATH=${details.counterexamplePath} npx jest ${testFile()}\n${message}`,
      );
    }
  };
  if (property.isAsync()) return fc.check(property as fc.IAsyncProperty<T>, params).then(finish);
  finish(fc.check(property as fc.IProperty<T>, params) as fc.RunDetails<T>);
}

/** The jest timeout a fuzz test needs (its time share plus room to finish the run in progress). */
export function fuzzTimeout(ciMs: number): number {
  return budgetMs > 0 ? budgetMs + 60_000 : ciMs;
}

function report<T>(name: string, details: fc.RunDetails<T>): void {
  const file = process.env.FUZZ_REPORT;
  if (file === undefined) return;
  fs.appendFileSync(
    file,
    JSON.stringify({ name, runs: details.numRuns, seed: details.seed, failed: details.failed }) + '\n',
  );
}

function testFile(): string {
  return expect.getState().testPath ?? 'test/fuzz';
}
