import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { findInstallations } from '../../../src/engines/local/find-installations.js';
import type { RunResult } from '../../../src/index.js';
import { leftovers, runCli, type CliResult } from '../../support/backup-lab.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { HISTORY_ROWS, makePhysicalHistory } from './physical-major-source.js';

// One small suite (a pg_dump restore with row and schema checks, a base backup + WAL recovered to a restore
// point) on every major exercised here: 15 on the local engine (this machine's binaries), 17 and 18 on the
// docker engine. Each major's backups are made by that major's own pg_dump, pg_basebackup and archive_command
// in a container of its image. The verdicts must be the same, check for check, with the same row counts.
const MATRIX = [
  { major: 15, engine: 'local' },
  { major: 17, engine: 'docker' },
  { major: 18, engine: 'docker' },
] as const;

const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;
const missingImages = runtime
  ? (
      await Promise.all(
        MATRIX.map(async ({ major }) => ((await imageExists(runtime, testImage(major))) ? [] : [major])),
      )
    ).flat()
  : [];
const local15 = (await findInstallations()).some((i) => i.major === 15 && i.tools.pg_restore);
const why = !docker.usable
  ? docker.reason
  : missingImages.length > 0
    ? `the images of PostgreSQL ${missingImages.join(', ')} are not built (scripts/build-images.sh; tests never pull)`
    : !local15
      ? 'PostgreSQL 15 is not installed here for the local engine'
      : '';
const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

const SUITE_DRILLS = `
  - name: dump
    source: { pgdump: { store: backups, database: shop, key: shop.dump } }
    checks:
      - rows: { table: public.orders, exact: ${HISTORY_ROWS.rowsAfterAccident} }
      - rows: { table: public.customers, exact: ${HISTORY_ROWS.customers} }
      - schema: { tables: [public.orders, public.customers], invalidIndexes: 0 }
  - name: pitr
    source: { basebackup: { store: backups, database: shop, key: base-tar, wal: { prefix: wal/ } } }
    target: { name: before_accident }
    checks:
      - recovery: { reached: true }
      - rows: { table: public.orders, exact: ${HISTORY_ROWS.rowsAfterInsert} }
      - rows: { table: public.customers, exact: ${HISTORY_ROWS.customers} }`;

describe.skipIf(why !== '')(title('the same suite on PostgreSQL 15 (local), 17 and 18 (docker)'), () => {
  let dir: string;
  const runs = new Map<number, { cli: CliResult; result: RunResult }>();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgdrill-matrix-'));
    await chmod(dir, 0o711);
    for (const { major, engine } of MATRIX) {
      const root = join(dir, `pg${major}`);
      await makePhysicalHistory(testImage(major), join(root, 'backups'), `matrix-${major}`, { dump: true });
      const file = join(root, 'matrix.yaml');
      await writeFile(
        file,
        `name: matrix-${major}\nengine: { kind: ${engine}, docker: { pull: never } }\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:${SUITE_DRILLS}\n`,
      );
      const json = join(root, 'matrix.json');
      const cli = await runCli(['run', file, '--engine', engine, '--json', json], {}, {}, dir);
      const text = await readFile(json, 'utf8').catch(() => {
        throw new Error(`pgdrill wrote no report for ${major} (exit ${cli.exitCode}): ${cli.stdout}${cli.stderr}`);
      });
      runs.set(major, { cli, result: JSON.parse(text) as RunResult });
    }
  }, 1_800_000);

  afterAll(async () => {
    if (!dir) return;
    expect(await pgdrillContainers(dir)).toEqual([]);
    await rm(dir, { recursive: true, force: true });
  });

  test.each(MATRIX.map((m) => [m.major, m.engine]))(
    'PostgreSQL %i on the %s engine: every drill passes, restored into its own major',
    async (major, engine) => {
      const { cli, result } = runs.get(major)!;
      expect(cli.exitCode, cli.stdout + cli.stderr).toBe(0);
      for (const drill of result.drills) {
        expect(drill.status, `${drill.name}: ${JSON.stringify(drill.error)}`).toBe('passed');
        expect(drill.engine).toMatchObject({ kind: engine, major, backupMajor: major });
        expect(drill.engine!.version).toMatch(new RegExp(`^${major}\\.`));
      }
      expect(result.drills.find((d) => d.name === 'pitr')!.recovery!.stopRecord).toMatch(
        /recovery stopping at restore point "before_accident"/,
      );
      expect(await leftovers(cli.tmp)).toEqual([]);
    },
  );

  test('the verdicts and row counts are the same on every major', () => {
    const verdicts = (major: number) =>
      runs.get(major)!.result.drills.map((d) => ({
        drill: d.name,
        status: d.status,
        // The stop record ends with the time of the restore point, which differs from run to run.
        checks: d.checks.map((c) => `${c.name}: ${c.status} ${(c.actual ?? '').replace(/, time .*$/, '')}`),
        reached: d.recovery?.reached,
      }));
    const [first, ...rest] = MATRIX.map((m) => m.major);
    expect(verdicts(first!).flatMap((d) => d.checks)).toHaveLength(6);
    for (const major of rest) expect(verdicts(major), `PostgreSQL ${major} against ${first}`).toEqual(verdicts(first!));
  });
});
