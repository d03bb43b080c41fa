/**
 * `npm start`: synthesize the CDK app for a stage, serve the cloud assembly on the local cloud, run the app's
 * seed module, print where everything is. Generic: the app is whatever `cdk.json` synthesizes, and the seed is a
 * module named on the command line (`--seed seed/demo.ts`).
 *
 *   tsx local/cli.ts [--stage local] [--data-dir .dishpatch] [--in-memory] [--edge-port 4566] [--api-port 3000]
 *                    [--time-scale 1] [--seed <module>] [--assembly <dir>] [--no-synth] [--force-synth]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { consoleLogger, type LocalCloud, startLocalCloud } from './cloud';

/** What a seed module receives: only public facts, so it works like any client of the cloud. */
export interface SeedContext {
  readonly endpoint: string;
  readonly apiUrl: string | undefined;
  readonly region: string;
  /** Stack outputs: stack name → output key → value. */
  readonly outputs: Record<string, Record<string, string>>;
  readonly stage: string;
}

/** What a seed module exports: `seed(ctx)` returns lines to print (users, passwords, examples). */
export interface SeedModule {
  seed(ctx: SeedContext): Promise<string[]>;
}

const SOURCE_DIRS = ['bin', 'lib', 'functions', 'events', 'workflows'];
const SOURCE_FILES = ['cdk.json', 'package-lock.json', 'tsconfig.json'];

/** A hash of everything a synth reads, so an unchanged app is not synthesized again. */
export const sourceHash = (root: string): string => {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(root, path)).update(readFileSync(path));
    }
  };
  for (const d of SOURCE_DIRS) walk(join(root, d));
  for (const f of SOURCE_FILES) if (existsSync(join(root, f))) hash.update(f).update(readFileSync(join(root, f)));
  return hash.digest('hex');
};

/** Synthesize the app for `stage` into `outdir` with the CDK CLI, unless the sources are unchanged. */
export const synthesize = (root: string, stage: string, outdir: string, force = false): { synthesized: boolean } => {
  const stamp = join(outdir, '.dishpatch-source-hash');
  const hash = `${stage}:${sourceHash(root)}`;
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) return { synthesized: false };
  mkdirSync(outdir, { recursive: true });
  const cdk = join(root, 'node_modules', '.bin', 'cdk');
  const res = spawnSync(cdk, ['synth', '-c', `stage=${stage}`, '--output', outdir, '--quiet'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
  });
  if (res.status !== 0) throw new Error(`cdk synth -c stage=${stage} failed (exit ${res.status ?? res.signal})`);
  writeFileSync(stamp, hash);
  return { synthesized: true };
};

const portHint = (e: unknown): string | undefined => {
  const err = e as NodeJS.ErrnoException & { port?: number };
  if (err?.code !== 'EADDRINUSE') return undefined;
  return `port ${err.port ?? ''} is already in use: stop the other process (another npm start?) or pick free ports with --edge-port / --api-port`;
};

const main = async (): Promise<void> => {
  const { values } = parseArgs({
    options: {
      stage: { type: 'string', default: 'local' },
      'data-dir': { type: 'string', default: '.dishpatch' },
      'in-memory': { type: 'boolean', default: false },
      'edge-port': { type: 'string', default: process.env.DISHPATCH_EDGE_PORT ?? '4566' },
      'api-port': { type: 'string', default: process.env.DISHPATCH_API_PORT ?? '3000' },
      'time-scale': { type: 'string', default: '1' },
      seed: { type: 'string' },
      assembly: { type: 'string' },
      'no-synth': { type: 'boolean', default: false },
      'force-synth': { type: 'boolean', default: false },
    },
  });
  const root = process.cwd();
  const stage = values.stage ?? 'local';
  const dataDir = resolve(values['data-dir'] ?? '.dishpatch');
  const assemblyDir = resolve(values.assembly ?? join(dataDir, `cdk.out.${stage}`));
  const log = consoleLogger();

  if (!values['no-synth']) {
    const t0 = Date.now();
    const { synthesized } = synthesize(root, stage, assemblyDir, values['force-synth']);
    console.log(
      synthesized
        ? `synthesized stage '${stage}' into ${relative(root, assemblyDir)} in ${((Date.now() - t0) / 1000).toFixed(1)} s`
        : `app unchanged since the last synth: reusing ${relative(root, assemblyDir)}`,
    );
  }

  let local: LocalCloud;
  try {
    local = await startLocalCloud({
      assemblyDir,
      dataDir,
      inMemory: values['in-memory'],
      edgePort: Number(values['edge-port']),
      apiPort: Number(values['api-port']),
      timeScale: Number(values['time-scale']),
      log,
    });
  } catch (e) {
    const hint = portHint(e);
    console.error(hint ?? (e instanceof Error ? e.message : String(e)));
    process.exit(1);
  }

  const lines: string[] = [];
  if (values.seed) {
    const mod = (await import(resolve(values.seed))) as SeedModule;
    lines.push(
      ...(await mod.seed({
        endpoint: local.endpoint,
        apiUrl: local.apiUrl,
        region: 'us-east-1',
        outputs: local.outputs,
        stage,
      })),
    );
  }

  console.log(
    [
      '',
      `dishpatch local cloud is up (stage ${stage}, data in ${values['in-memory'] ? 'memory' : dataDir})`,
      `  AWS endpoint   ${local.endpoint}    (export AWS_ENDPOINT_URL=${local.endpoint})`,
      `  REST API       ${local.apiUrl ?? '(no API in the template)'}`,
      `  console        ${local.endpoint}/_console`,
      // The services' own facts, less the URLs already printed above.
      ...Object.entries(local.info)
        .filter(([k]) => !/^(endpoint|apiUrl|apiId|apiPort)\b/.test(k))
        .map(([k, v]) => `  ${k.padEnd(14)} ${v}`),
      ...lines,
      '',
      'Ctrl-C stops it; the next start reuses the data.',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    await local.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
};

if (require.main === module) void main();
