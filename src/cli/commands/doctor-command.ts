import { createDockerEngine, createLocalEngine, diagnose } from '../../index.js';

/** `pgdrill doctor`: which engines, binaries, versions and extensions are usable here, and why not. */
export async function doctorCommand(): Promise<number> {
  const d = await diagnose([createDockerEngine(), createLocalEngine()]);
  const out: string[] = ['Engines:'];
  for (const e of d.engines) out.push(`  ${e.usable ? '✓' : '✗'} ${e.kind}: ${e.reason}`);
  out.push('PostgreSQL installations:');
  if (d.installations.length === 0) out.push('  none found (apt-get install postgresql-15)');
  for (const i of d.installations) {
    const missing = Object.entries(i.tools)
      .filter(([, ok]) => !ok)
      .map(([t]) => t);
    out.push(`  PostgreSQL ${i.version} in ${i.binDir}${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
    out.push(`    extensions: ${i.extensions.length ? i.extensions.join(', ') : 'none found'}`);
  }
  out.push('Tools:');
  for (const t of d.tools) out.push(`  ${t.usable ? '✓' : '✗'} ${t.name}: ${t.detail} (for ${t.neededFor})`);
  process.stdout.write(`${out.join('\n')}\n`);
  return d.engines.some((e) => e.usable) ? 0 : 3;
}
