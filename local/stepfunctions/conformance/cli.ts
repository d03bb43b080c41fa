/**
 * `npx tsx local/stepfunctions/conformance/cli.ts [conformance-root] [--verbose] [--only substring]`:
 * replays the recorded AWS executions and prints the share that agrees.
 */
import { join } from 'node:path';
import { defaultConformanceRoot, loadCases, runCase, runConformance } from './cases';

const main = async (): Promise<void> => {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1] : undefined;
  const root =
    args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--only') ??
    defaultConformanceRoot(join(__dirname, '..', '..', '..'));
  if (!root) {
    console.error('conformance data not found (expected ../shared/conformance beside the repository)');
    process.exitCode = 2;
    return;
  }
  if (only) {
    for (const c of loadCases(root).filter((x) => x.id.includes(only))) {
      const r = c.skip ? { skipped: c.skip } : await runCase(c);
      console.log(c.id, c.templatePath, JSON.stringify(r));
    }
    return;
  }
  const report = await runConformance(root);
  if (verbose) for (const f of report.failures) console.log(`${f.id}\n    ${f.difference ?? 'outcome differs'}`);
  const pct = (n: number): string => `${((100 * n) / Math.max(1, report.replayable)).toFixed(1)}%`;
  console.log(
    `recorded executions: ${report.total}; replayable without AWS resources: ${report.replayable}; ` +
      `outcome (status/output/error/cause) agrees: ${report.outcomeAgree} (${pct(report.outcomeAgree)}); ` +
      `full history agrees: ${report.historyAgree} (${pct(report.historyAgree)}); skipped: ${JSON.stringify(report.skipped)}`,
  );
};

void main();
