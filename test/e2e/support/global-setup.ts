import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { synthesize } from '../../../local/cli';

/** Where the e2e suite (and `npm start`) keep the synthesized local stage. */
export const E2E_ASSEMBLY = join(__dirname, '..', '..', '..', '.dishpatch', 'cdk.out.local');

/**
 * Synthesizes the app's `local` stage once for the whole e2e project (bundling on: the local cloud runs the real
 * bundles). Skipped when the sources are unchanged since the last synth, or when `E2E_SKIP_SYNTH` is set and an
 * assembly exists.
 */
export default async function globalSetup(): Promise<void> {
  // Against a deployed stage (the pipeline's smoke test) there is nothing to synthesize.
  if (process.env.DISHPATCH_E2E_TARGET === 'aws') return;
  // While iterating on the tests themselves, other engineers' edits would re-synthesize on every run.
  if (process.env.E2E_SKIP_SYNTH && existsSync(join(E2E_ASSEMBLY, 'manifest.json'))) return;
  const t0 = Date.now();
  // `npm start` and other suites synthesize into the same folder; the CDK CLI refuses a second synth there while
  // one runs. Once that one is done the sources match its stamp and the synth is skipped, so retry until then.
  const deadline = t0 + 5 * 60_000;
  for (;;) {
    try {
      const { synthesized } = synthesize(join(__dirname, '..', '..', '..'), 'local', E2E_ASSEMBLY);
      if (synthesized) console.log(`\ne2e: synthesized the local stage in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }
  }
}
