/**
 * Print the generated part of docs/local-cloud.md: per running service, its protocol, resource types,
 * unsupported properties, operations and routes, as the services declare them.
 * `npx tsx test/local/support/support-matrix.ts [assemblyDir]` (default: an empty template).
 */
import { startLocalCloud } from '../../../local/cloud';
import type { Service } from '../../../local/core/types';
import { IGNORED_TYPES } from '../../../local/template';
import { memoryLogger } from './cloud';

const protocolOf = (s: Service): string => {
  if (s.protocol === 'query') return `query (signing name ${s.signingNames?.join(', ') ?? '?'})`;
  if (s.protocol === 'rest-json') return 'REST';
  return `${s.protocol === 'json1.0' ? 'JSON 1.0' : 'JSON 1.1'} \`${s.targetPrefix}\``;
};

/** The markdown of the generated matrix. */
export const supportMatrix = (services: readonly Service[]): string => {
  const lines: string[] = [];
  for (const s of [...services].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(`### ${s.name}`, '', `- Protocol: ${protocolOf(s)}`);
    const types = s.resourceTypes ?? [];
    lines.push(`- Resource types: ${types.length ? types.map((t) => `\`${t}\``).join(', ') : 'none'}`);
    const unsupported = Object.entries(s.unsupportedProperties ?? {}).filter(([, p]) => p.length > 0);
    if (unsupported.length) {
      lines.push(
        `- Fails at load on: ${unsupported.map(([t, p]) => `${t} ${p.map((x) => `\`${x}\``).join(', ')}`).join('; ')}`,
      );
    }
    const ops = Object.keys(s.operations).sort();
    lines.push(`- Operations (${ops.length}): ${ops.length ? ops.join(', ') : 'none'}`);
    if (s.routes?.length) lines.push(`- Routes: ${s.routes.map((r) => `\`${r.method} ${r.path}\``).join(', ')}`);
    lines.push('');
  }
  lines.push('### Accepted without emulation', '', IGNORED_TYPES.map((t) => `\`${t}\``).join(', '), '');
  return lines.join('\n');
};

if (require.main === module) {
  const assemblyDir = process.argv[2];
  void (async () => {
    const local = await startLocalCloud({
      ...(assemblyDir ? { assemblyDir } : { template: { Resources: {} } }),
      inMemory: true,
      edgePort: 0,
      apiPort: 0,
      outputsFile: false,
      log: memoryLogger(),
    });
    console.log(supportMatrix(local.cloud.list?.() ?? []));
    await local.stop();
  })();
}
