import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { sourceHash, synthesize } from '../../../local/cli';
import type { LocalCloud } from '../../../local/cloud';
import { clientConfig, startTestCloud } from '../support/cloud';

/**
 * The app's own template (stage `local`, bundling on) on the local cloud. It reuses the assembly of `npm start`
 * and the e2e setup (`.dishpatch/cdk.out.local`) when that is of the current sources; otherwise it synthesizes
 * into `.dishpatch/cdk.out.local-tests` (kept while the sources are unchanged, in its own folder so it never
 * races the e2e setup). `DISHPATCH_ASSEMBLY_DIR` points at another assembly.
 */
const root = join(__dirname, '..', '..', '..');
const appExists = existsSync(join(root, 'bin', 'app.ts')) && existsSync(join(root, 'lib', 'dishpatch-app.ts'));
const describeApp = appExists ? describe : describe.skip;

/** The assembly `npm start` or the e2e setup synthesized, when it is of the current sources; else undefined. */
const freshAssembly = (dir: string): string | undefined => {
  const stamp = join(dir, '.dishpatch-source-hash');
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === `local:${sourceHash(root)}` ? dir : undefined;
};

describeApp('the app template on the local cloud', () => {
  let local: LocalCloud;

  beforeAll(async () => {
    let assemblyDir = process.env.DISHPATCH_ASSEMBLY_DIR ?? freshAssembly(join(root, '.dishpatch', 'cdk.out.local'));
    if (!assemblyDir) {
      assemblyDir = join(root, '.dishpatch', 'cdk.out.local-tests');
      synthesize(root, 'local', assemblyDir);
    }
    local = await startTestCloud({ assemblyDir });
  }, 240_000);
  afterAll(async () => {
    await local?.stop();
  });

  it('starts every stack without unsupported resources, with all outputs resolved', () => {
    const names = local.stacks.map((s) => s.stackName);

    expect(names).toEqual(['Dishpatch-local-Stateful', 'Dishpatch-local-Stateless']);
    for (const stack of local.stacks) {
      for (const o of stack.outputs) expect(o.OutputValue).not.toMatch(/\[object|undefined/);
    }
  });

  it('maps every Lambda function to its bundled asset folder', () => {
    const functions = local.stacks.flatMap((s) => s.resources).filter((r) => r.type === 'AWS::Lambda::Function');

    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.assetPath && existsSync(fn.assetPath)).toBe(true);
  });

  it('creates the tables and answers DescribeStacks with local URLs', async () => {
    const ddb = new DynamoDBClient(clientConfig(local.endpoint));
    const cfn = new CloudFormationClient(clientConfig(local.endpoint));
    const { TableNames } = await ddb.send(new ListTablesCommand({}));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({}));
    ddb.destroy();
    cfn.destroy();

    const tables = local.stacks[0]?.resources
      .filter((r) => r.type.startsWith('AWS::DynamoDB::'))
      .map((r) => r.physicalId);
    expect(TableNames).toEqual(expect.arrayContaining(tables ?? []));
    expect(Stacks?.every((s) => s.StackStatus === 'CREATE_COMPLETE')).toBe(true);
    const values = Stacks?.flatMap((s) => s.Outputs ?? []).map((o) => o.OutputValue ?? '') ?? [];
    expect(values.filter((v) => v.includes('execute-api'))).toEqual([]);
  });
});
