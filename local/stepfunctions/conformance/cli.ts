/**
 * `npx tsx local/stepfunctions/conformance/cli.ts [conformance-root] [--verbose] [--skipped] [--only substring]`:
 * replays the recorded AWS executions and prints the share that agrees, apart for the cases without
 * resources and the cases whose resources are played back from the recording. `--verbose` lists the
 * cases that differ with their first difference, `--skipped` the cases not replayed and why.
 */
import { join } from 'node:path';
import { defaultConformanceRoot, describeFigures, loadCases, runCase, runConformance } from './cases';

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
      const r = c.skip ? { skipped: c.skip, detail: c.skipDetail } : await runCase(c);
      console.log(
        c.id,
        c.kind,
        c.templatePath,
        c.adjusted ? `adjusted: ${c.adjusted.join(', ')}` : '',
        JSON.stringify(r),
      );
    }
    return;
  }
  if (args.includes('--skipped')) {
    for (const c of loadCases(root).filter((x) => x.skip)) {
      console.log(`${c.id}\n    skipped: ${c.skip}${c.skipDetail ? ` (${c.skipDetail})` : ''}`);
    }
  }
  const report = await runConformance(root);
  if (verbose) {
    for (const f of report.failures) console.log(`${f.id} [${f.kind}]\n    ${f.difference ?? 'outcome differs'}`);
  }
  console.log(
    `recorded executions: ${report.total}; skipped: ${JSON.stringify(report.skipped)}\n` +
      `without AWS resources: ${describeFigures(report.noResource)}\n` +
      `with AWS resources played back from the recording (checks the engine, not a resource): ${describeFigures(report.playedBack)}`,
  );
};

void main();
