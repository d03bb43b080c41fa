import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One benchmark figure (DESIGN §8); `peer*` and `ratio` only for side-by-side figures. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  peer?: string;
  peerValue?: number;
  ratio?: number;
}

/** Prints the figures of a suite as a table and writes them to `bench/results/<suite>.json`. */
export const report = (suite: string, figures: Figure[], notes: Record<string, unknown> = {}): void => {
  const rows = figures.map((f) => ({
    figure: f.name,
    value: `${round(f.value)} ${f.unit}`,
    peer: f.peer ? `${f.peer}: ${round(f.peerValue ?? Number.NaN)} ${f.unit}` : '',
    ratio: f.ratio === undefined ? '' : `${round(f.ratio)}x`,
  }));
  console.log(`\n== bench ${suite} (${new Date().toISOString()}, node ${process.version})`);
  console.table(rows);
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  const machine = { node: process.version, platform: process.platform, arch: process.arch, cpus: cpuCount() };
  writeFileSync(
    join(dir, `${suite}.json`),
    `${JSON.stringify({ suite, at: new Date().toISOString(), machine, figures, notes }, null, 2)}\n`,
  );
};

const round = (n: number): number => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100);
const cpuCount = (): number => require('node:os').cpus().length;

/** Median and percentiles of a list of numbers. */
export const percentile = (values: number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] as number;
};
