/**
 * Flyway: `flyway_schema_history` (installed_rank, version, description, type, script, checksum, success) and
 * SQL migrations `V<version>__<description>.sql` / `R__<description>.sql`, found in the location and below it.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { quoteQualifiedName } from '../relation-names.js';
import { keepLatestPerKey, toText } from './history-table.js';
import { compareCodeUnits, listFiles } from './repository-files.js';
import type { AppliedMigration, MigrationTool, RepoMigration } from './tool.js';

const VERSIONED = /^V(\d+(?:[._]\d+)*)__(.*)\.sql$/;
const REPEATABLE = /^R__(.*)\.sql$/;
const BASELINE_TYPES = new Set(['BASELINE', 'SQL_BASELINE', 'JDBC_BASELINE']);

/**
 * Flyway's checksum of a SQL migration (ChecksumCalculator): the file is read line by line (BufferedReader.readLine
 * drops `\n`, `\r\n` and `\r`), a BOM is removed from the first line, and a CRC-32 is updated with each line's UTF-8
 * bytes; the value is stored as a signed 32-bit integer. So line endings never change it, but everything else does.
 */
export function computeFlywayChecksum(file: Uint8Array): number {
  const lines = Buffer.from(file)
    .toString('utf8')
    .split(/\r\n|\r|\n/);
  if (lines[0]?.startsWith('\uFEFF')) lines[0] = lines[0].slice(1);
  let crc = 0;
  for (const line of lines) crc = crc32(Buffer.from(line, 'utf8'), crc);
  return crc | 0;
}

/** MigrationVersion's equality: `1_1` is `1.1`, leading zeros and trailing `.0` parts do not count. */
export function normalizeFlywayVersion(version: string): string {
  const parts = version
    .replaceAll('_', '.')
    .split('.')
    .map((part) => BigInt(part));
  while (parts.length > 1 && parts.at(-1) === 0n) parts.pop();
  return parts.join('.');
}

/** Versions in numeric order, then repeatable migrations (`R:<description>`) by description. */
export function compareFlywayKeys(a: string, b: string): number {
  const [ra, rb] = [a.startsWith('R:'), b.startsWith('R:')];
  if (ra || rb) return ra && rb ? compareCodeUnits(a, b) : ra ? 1 : -1;
  const [pa, pb] = [a.split('.').map(BigInt), b.split('.').map(BigInt)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const [x, y] = [pa[i] ?? 0n, pb[i] ?? 0n];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

async function readFlywayRepository(dir: string) {
  const migrations: RepoMigration[] = [];
  const skipped: string[] = [];
  for (const path of await listFiles(dir, true)) {
    const file = path.split('/').at(-1)!;
    const versioned = VERSIONED.exec(file);
    const repeatable = versioned ? undefined : REPEATABLE.exec(file);
    if (!versioned && !repeatable) {
      if (file.endsWith('.sql')) skipped.push(path);
      continue;
    }
    const checksum = String(computeFlywayChecksum(await readFile(join(dir, path))));
    const description = (versioned ? versioned[2]! : repeatable![1]!).replaceAll('_', ' ');
    const key = versioned ? normalizeFlywayVersion(versioned[1]!) : `R:${description}`;
    migrations.push({
      key,
      name: path,
      checksums: [checksum],
      description,
      ...(repeatable ? { repeatable: true } : {}),
    });
  }
  migrations.sort((a, b) => compareFlywayKeys(a.key, b.key));
  const notes = skipped.length ? [`skipped, not V<version>__ or R__ migrations: ${skipped.join(', ')}`] : [];
  return { migrations, notes };
}

interface FlywayRow {
  installed_rank: number;
  version: string | null;
  description: string;
  type: string;
  script: string;
  checksum: number | null;
  success: boolean;
}

export const flywayTool: MigrationTool = {
  name: 'flyway',
  historyTables: [{ schema: 'public', name: 'flyway_schema_history' }],
  defaultSchema: 'public',
  ordered: true,
  recordsChecksums: true,
  compareKeys: compareFlywayKeys,
  readRepository: readFlywayRepository,
  async readHistory(db, table) {
    const rows = await db.query<FlywayRow>(
      `select installed_rank, version, description, type, script, checksum, success from ${quoteQualifiedName(table)} order by installed_rank`,
    );
    let applied: AppliedMigration[] = [];
    let baseline: string | undefined;
    const unchecked: string[] = [];
    for (const row of rows) {
      const key = row.version === null ? `R:${row.description}` : normalizeFlywayVersion(row.version);
      if (row.type === 'SCHEMA') continue;
      if (BASELINE_TYPES.has(row.type)) {
        if (baseline === undefined || compareFlywayKeys(key, baseline) > 0) baseline = key;
      } else if (row.type === 'DELETE') {
        // `flyway repair` marks a migration whose file was removed as deleted: it no longer counts as applied.
        if (row.success) applied = applied.filter((entry) => entry.key !== key);
      } else if (row.type !== 'SQL') {
        unchecked.push(`${row.script} (${row.type})`);
      } else {
        applied.push({
          key,
          name: row.script,
          checksum: toText(row.checksum),
          description: row.description,
          success: row.success,
          rank: row.installed_rank,
          ...(row.version === null ? { repeatable: true } : {}),
        });
      }
    }
    const notes = unchecked.length ? [`not SQL migrations, not compared: ${unchecked.join(', ')}`] : [];
    return { applied: keepLatestPerKey(applied), ...(baseline === undefined ? {} : { baseline }), notes };
  },
};
