/**
 * Shared helpers for local-cloud tests: a cloud in memory on free ports, SDK client settings with dummy
 * credentials, and the AWS CLI when it is installed.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type LocalCloud, type LocalCloudOptions, startLocalCloud } from '../../../local/cloud';
import type { LocalLogger } from '../../../local/core/types';

/** A logger that keeps lines for assertions and prints nothing (warnings and errors go to stderr when DEBUG). */
export const memoryLogger = (): LocalLogger & { readonly lines: { level: string; msg: string }[] } => {
  const lines: { level: string; msg: string }[] = [];
  const at =
    (level: string) =>
    (msg: string, data?: Record<string, unknown>): void => {
      lines.push({ level, msg });
      if (process.env.DEBUG && level !== 'debug')
        console.error(`[${level}] ${msg} ${data ? JSON.stringify(data) : ''}`);
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
};

/** Start a local cloud in memory, on free ports, quiet, writing no outputs file unless asked. */
export const startTestCloud = (options: LocalCloudOptions): Promise<LocalCloud> =>
  startLocalCloud({
    inMemory: options.dataDir === undefined,
    edgePort: 0,
    apiPort: 0,
    outputsFile: false,
    log: memoryLogger(),
    ...options,
  });

/** Settings for any SDK v3 client against a local endpoint: dummy credentials, no retries. */
export const clientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
  maxAttempts: 1,
});

/** Path of the `aws` CLI, or undefined when it is not installed. */
export const awsCliPath = (): string | undefined => {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'aws');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
};

/** Run the AWS CLI against an endpoint and parse its JSON output. */
export const runAwsCli = (cli: string, endpoint: string, args: readonly string[]): Promise<unknown> =>
  new Promise((resolve, reject) => {
    execFile(
      cli,
      [...args, '--endpoint-url', endpoint, '--output', 'json', '--region', 'us-east-1'],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
          AWS_SECRET_ACCESS_KEY: 'local-secret',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`aws ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve(stdout.trim() ? JSON.parse(stdout) : {});
      },
    );
  });
