import { createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { chooseImage, defaultImageRules } from '../../../src/engines/docker/docker-images.js';
import { connectRuntime, imageExists, resolveImage } from '../../../src/engines/docker/docker-runtime.js';
import { hypertablesCheck } from '../../../src/checks/hypertables-check.js';
import { createDockerEngine } from '../../../src/engines/docker/docker-engine.js';
import type { StartedServer } from '../../../src/engines/engine.js';
import { loadSuites, runSuites, type DrillResult, type RunResult } from '../../../src/index.js';
import { dockerEngineAvailability, pgdrillContainers } from '../../support/docker-support.js';
import {
  connect,
  HYPERTABLE_SQL,
  imageTimescaleEdition,
  SOURCE_ROWS,
  TIMESCALE_SETTINGS,
  TSL_SQL,
  type TimescaleEdition,
} from './timescale-lab.js';

// TimescaleDB dumps on the docker engine, for each major in PGDRILL_TIMESCALEDB_MAJORS (default 17,18): the
// source database runs in the image the engine picks for `timescaledb` by its default rules
// (PGDRILL_TIMESCALEDB_IMAGE, else timescale/timescaledb:latest-pg<major>, else, with pulls disabled,
// pgdrill/timescaledb:latest-pg<major> from scripts/build-images.sh --timescaledb), and is dumped by that
// image's own pg_dump (this machine's pg_dump 15 cannot dump a newer server). Debian's package is the
// Apache-licensed edition: compression, continuous aggregates and policies are tested only where the image
// has the Timescale License module, and are reported skipped, with the reason, where it has not.
const MAJORS = (process.env.PGDRILL_TIMESCALEDB_MAJORS ?? '17,18').split(',').map(Number);
const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;

for (const major of MAJORS) {
  const choice = chooseImage(defaultImageRules(process.env), major, ['timescaledb']);
  const pick = runtime ? await resolveImage(runtime, choice, 'never') : undefined;
  const present = runtime !== undefined && pick !== undefined && (await imageExists(runtime, pick.image));
  const absent = choice.fallback
    ? `neither ${choice.image} nor ${choice.fallback} (scripts/build-images.sh --timescaledb) is present`
    : `${choice.image} is not present`;
  const why = !docker.usable
    ? docker.reason
    : !present
      ? `no TimescaleDB image for PostgreSQL ${major} here: ${absent}, and tests never pull`
      : '';
  const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);
  const image = pick?.image ?? choice.image;
  const edition: TimescaleEdition | undefined = present ? imageTimescaleEdition(image) : undefined;
  const tslWhy =
    edition === 'apache'
      ? `${image} carries the Apache-licensed TimescaleDB (timescaledb.license = apache): compression, continuous aggregates and policies are Timescale License features`
      : '';
  const tslTitle = (name: string) => (tslWhy ? `${name} (skipped: ${tslWhy})` : name);

  describe.skipIf(why !== '')(title(`TimescaleDB ${major} dumps on the docker engine`), () => {
    let dir: string;
    let run: RunResult;
    let license = '';
    let compressRefusal = '';
    const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `pgdrill-tsdb-docker-${major}-`));
      await chmod(dir, 0o711);
      const backups = join(dir, 'backups');
      await mkdir(backups);
      {
        await using source = await createDockerEngine({ pull: 'never' }).start({
          workDir: dir,
          major,
          extensions: ['timescaledb'],
          settings: TIMESCALE_SETTINGS,
        });
        expect(source.image).toBe(image);
        const psql = (db: string, sql: string) =>
          source.runClient('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql]);
        await psql('postgres', 'CREATE DATABASE metrics');
        await psql('metrics', HYPERTABLE_SQL);
        license = (await psql('metrics', 'SHOW timescaledb.license')).stdout.trim();
        if (edition === 'timescale') await psql('metrics', TSL_SQL);
        else
          compressRefusal = await psql(
            'metrics',
            "ALTER TABLE public.metrics SET (timescaledb.compress, timescaledb.compress_segmentby = 'device')",
          ).then(
            () => '',
            (e: Error & { stderrTail?: string[] }) => (e.stderrTail ?? [e.message]).join('\n'),
          );
        await dump(source, ['-Fc'], join(backups, 'metrics.dump'));
        await dump(source, ['-Fp'], join(backups, 'metrics.sql'));
      }
      const tsl = `
  - name: tsl-features
    source: { pgdump: { store: backups, database: metrics, key: metrics.dump } }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }
      - hypertables:
          hypertables: [ { name: public.metrics, minChunks: 7, compression: { segmentby: [device], orderby: [time], minCompressedChunks: 3 } } ]
          continuousAggregates: [ { name: public.metrics_hourly, refresh: { start: "2024-01-01 00:00+00", end: "2024-01-08 00:00+00" } } ]
          jobs: { min: 2, owners: true }`;
      const file = join(dir, 'timescale-docker.yaml');
      // No image rules: the engine's defaults pick the TimescaleDB image (and its fallback) themselves.
      await writeFile(
        file,
        `name: timescale-docker-${major}
engine: { kind: docker, docker: { pull: never } }
storage: { backups: { filesystem: { root: backups } } }
drills:
  - name: custom-format
    source: { pgdump: { store: backups, database: metrics, key: metrics.dump, jobs: 2 } }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }
      - hypertables:
          hypertables: [ { name: public.metrics, minChunks: 7, timeRange: { from: "2024-01-01 00:00+00", to: "2024-01-08 00:00+00" } } ]
  - name: plain-format
    source: { pgdump: { store: backups, database: metrics, key: metrics.sql } }
    checks:
      - rows: { table: public.metrics, exact: ${SOURCE_ROWS} }
      - hypertables: { hypertables: [ { name: public.metrics, minChunks: 7 } ] }
${edition === 'timescale' ? tsl : ''}
`,
      );
      run = await runSuites(await loadSuites([file], { env: process.env }), { engine: 'docker', env: process.env });
    }, 600_000);

    afterAll(async () => {
      if (!dir) return;
      expect(await pgdrillContainers(dir)).toEqual([]);
      await rm(dir, { recursive: true, force: true });
    });

    test.each(['custom-format', 'plain-format'])(
      `%s: every chunk and row restored in ${image}, every check passes`,
      (name) => {
        const drill = byName(name);
        expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
        expect(drill.checks.filter((c) => c.status !== 'passed')).toEqual([]);
        expect(drill.checks.map((c) => c.type)).toEqual(['rows', 'hypertables']);
        expect(drill.status).toBe('passed');
        expect(drill.engine).toMatchObject({ kind: 'docker', image, major });
        expect(drill.engine!.extensions!.map((e) => e.name)).toContain('timescaledb');
      },
    );

    // The suite asks for two pg_restore jobs; pgdrill restores a TimescaleDB dump with one, keeping every chunk.
    test('the hypertables check counted the seven chunks of the source in the custom-format restore', () => {
      const check = byName('custom-format').checks.find((c) => c.type === 'hypertables')!;
      expect(check.message).toContain('public.metrics: 7 chunks');
    });

    // What runbooks do: pg_restore -j for speed, its exit status ignored. Whether it loses chunks is a race (seen
    // in about half the runs with these images): each of three restores is held against its own row count, so a
    // restore that lost chunks (or the hypertable's catalog row) must fail the check and a whole one pass it.
    test('parallel pg_restores that lose chunks are caught, naming the hypertable and the chunk counts', async () => {
      await using target = await createDockerEngine({ pull: 'never' }).start({
        workDir: dir,
        major,
        extensions: ['timescaledb'],
        settings: TIMESCALE_SETTINGS,
      });
      const psql = async (db: string, sql: string) =>
        (await target.runClient('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql])).stdout;
      for (const database of ['lossy1', 'lossy2', 'lossy3']) {
        await psql('postgres', `CREATE DATABASE ${database}`);
        await psql(database, 'CREATE EXTENSION timescaledb');
        await psql(database, 'SELECT timescaledb_pre_restore()');
        const dumpFile = join(dir, 'backups', 'metrics.dump');
        await target.runClient('pg_restore', ['-j', '2', '--dbname', database, dumpFile], { okExitCodes: [0, 1] });
        await psql(database, 'SELECT timescaledb_post_restore()');
        // A restore that lost catalog rows can leave the hypertable unreadable ("chunk _hyper_1_1_chunk has no
        // dimension slices"): nothing of it can be counted.
        const rows = await psql(database, 'SELECT count(*) FROM public.metrics').then(
          (out) => Number(out.trim()),
          () => 0,
        );
        const { db, close } = await connect(target, database);
        try {
          const outcome = await hypertablesCheck.run(
            { db, database, restoreSeconds: 1, objectives: {}, suiteDir: dir },
            hypertablesCheck.options.parse({ hypertables: [{ name: 'public.metrics', minChunks: 7 }] }),
          );
          if (rows < SOURCE_ROWS) {
            expect(outcome.status, `${database}: ${rows} rows`).toBe('failed');
            // Seen: chunks missing, and the hypertable's own catalog row missing.
            expect(outcome.message).toMatch(
              /^public\.metrics (has [0-6] chunks, expected at least 7|exists but is not a hypertable)/,
            );
          } else {
            expect(rows).toBe(SOURCE_ROWS);
            expect(outcome.status, `${database}: ${outcome.message}`).toBe('passed');
            expect(outcome.message).toContain('public.metrics: 7 chunks');
          }
        } finally {
          await close();
        }
      }
    }, 300_000);

    test(`the server's timescaledb.license agrees with the image's files (${edition ?? 'unknown'} edition)`, () => {
      expect(license).toBe(edition);
      if (edition === 'apache') expect(compressRefusal).toMatch(/not supported under the current "apache" license/);
    });

    test.skipIf(tslWhy !== '')(
      tslTitle('compressed chunks, the continuous aggregate and the policies are restored'),
      () => {
        const drill = byName('tsl-features');
        expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
        expect(drill.checks.filter((c) => c.status !== 'passed')).toEqual([]);
        expect(drill.checks.find((c) => c.type === 'hypertables')!.message).toContain('3 compressed');
      },
    );
  });
}

/** pg_dump of the server's own major, inside its container, its output written here. */
async function dump(server: StartedServer, args: string[], target: string): Promise<void> {
  const out = createWriteStream(target, { mode: 0o644 });
  await server.runClient('pg_dump', [...args, '-d', 'metrics'], { stdoutTo: out });
  await finished(out);
}
