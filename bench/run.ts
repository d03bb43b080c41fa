/**
 * `npm run bench -- <suite> [args]`: runs `bench/<suite>.ts`, which prints a table and writes
 * `bench/results/<suite>.json` (DESIGN §8). Without a suite name, lists the suites.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const suites = readdirSync(__dirname)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'report.ts'].includes(f))
  .map((f) => f.replace(/\.ts$/, ''));

const main = async (): Promise<void> => {
  const [suite, ...args] = process.argv.slice(2);
  if (!suite || !suites.includes(suite)) {
    console.error(`usage: npm run bench -- <suite>   (suites: ${suites.join(', ') || 'none yet'})`);
    process.exitCode = suite ? 2 : 0;
    return;
  }
  const mod = (await import(join(__dirname, `${suite}.ts`))) as { run(args: string[]): Promise<void> };
  await mod.run(args);
};

void main();
