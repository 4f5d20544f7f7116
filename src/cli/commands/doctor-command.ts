import { relative } from 'node:path';
import {
  createDockerEngine,
  createLocalEngine,
  diagnose,
  exitCodeFor,
  preflightSuites,
  type PreflightFinding,
  type PreflightResult,
} from '../../index.js';
import { printError } from '../print-error.js';

export interface DoctorFlags {
  engine?: 'auto' | 'local' | 'docker';
  json?: boolean;
}

/**
 * `pgdrill doctor`: which engines, binaries, versions and extensions are usable here, and why not. With suite
 * files, a preflight of each drill (nothing restored, no server started): exit 0 all there, 3 something missing.
 */
export async function doctorCommand(files: string[] = [], flags: DoctorFlags = {}): Promise<number> {
  if (files.length > 0) return preflightCommand(files, flags);
  const d = await diagnose([createDockerEngine(), createLocalEngine()]);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(d, null, 2)}\n`);
    return d.engines.some((e) => e.usable) ? 0 : 3;
  }
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

async function preflightCommand(files: string[], flags: DoctorFlags): Promise<number> {
  let result: PreflightResult;
  try {
    result = await preflightSuites(files, { engine: flags.engine });
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
  process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : formatPreflight(result));
  return result.exitCode;
}

const LABEL = { ok: 'OK  ', fail: 'FAIL', skip: 'SKIP' } as const;

/** One line per finding, grouped by drill (`suite/drill`), then a count. */
export function formatPreflight(result: PreflightResult): string {
  const lines: string[] = [];
  for (const group of result.groups) {
    if (group.findings.length === 0) continue;
    lines.push(
      group.drill === undefined ? `${group.suite} (${shortPath(group.file)})` : `${group.suite}/${group.drill}`,
    );
    for (const f of group.findings) lines.push(`  ${LABEL[f.status]} ${formatFinding(f)}`);
  }
  const all = result.groups.flatMap((g) => g.findings);
  const count = (status: PreflightFinding['status']) => all.filter((f) => f.status === status).length;
  const drills = result.groups.filter((g) => g.drill !== undefined).length;
  lines.push(
    `doctor: ${drills} drill${drills === 1 ? '' : 's'}: ${count('ok')} OK, ${count('fail')} FAIL, ${count('skip')} not checked` +
      (result.exitCode === 0 ? ' — ready to run' : ' — a run would not get far: fix the FAIL lines (exit 3)'),
  );
  return `${lines.join('\n')}\n`;
}

// Relative to where pgdrill runs when the file is below it, else absolute.
function shortPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

function formatFinding(f: PreflightFinding): string {
  const message = f.message.replace(/\s*\n\s*/g, ' ');
  return `${f.subject}: ${f.code ? `${f.code}: ` : ''}${message}${f.hint ? ` (hint: ${f.hint})` : ''}`;
}
