import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectRuntime, imageExists } from '../../../src/engines/docker/docker-runtime.js';
import { findInstallations } from '../../../src/engines/local/find-installations.js';
import { loadSuites, runSuites, type DrillResult, type RunResult } from '../../../src/index.js';
import { dockerEngineAvailability, pgdrillContainers, testImage } from '../../support/docker-support.js';
import { startMajorSource, type MajorSource } from './major-source.js';

// pg_dump archives of PostgreSQL 17 and 18, made by each image's own pg_dump, restored on the docker engine.
// This machine's pg_restore is 15, which cannot read a 17/18 custom or directory archive: the table of
// contents must be read with the dump's own major (in a container of its image), never with 15.
const docker = await dockerEngineAvailability();
const runtime = docker.usable ? await connectRuntime() : undefined;
const hostMajors = (await findInstallations()).filter((i) => i.tools.pg_restore).map((i) => i.major);

const ORDERS = 5_000;
const CUSTOMERS = 300;
const SOURCE_SQL = `
  CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
  CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, total numeric(10,2) NOT NULL);
  INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, ${CUSTOMERS}) g;
  INSERT INTO orders SELECT g, 1 + g % ${CUSTOMERS}, (g % 1000) / 10.0 FROM generate_series(1, ${ORDERS}) g;`;

for (const major of [17, 18]) {
  const image = testImage(major);
  const present = runtime !== undefined && (await imageExists(runtime, image));
  const why = !docker.usable
    ? docker.reason
    : !present
      ? `the image ${image} is not built (scripts/build-images.sh --majors=${major}; tests never pull)`
      : '';
  const title = (name: string) => (why ? `${name} (skipped: ${why})` : name);

  describe.skipIf(why !== '')(
    title(`PostgreSQL ${major} dumps made by pg_dump ${major}, restored on the docker engine`),
    () => {
      let dir: string;
      let source: MajorSource | undefined;
      let run: RunResult;
      let local: RunResult;
      const byName = (name: string): DrillResult => run.drills.find((d) => d.name === name)!;

      beforeAll(async () => {
        dir = await mkdtemp(join(tmpdir(), `pgdrill-majors-${major}-`));
        await chmod(dir, 0o711);
        const backups = join(dir, 'backups');
        await mkdir(backups);
        source = await startMajorSource(image);
        try {
          await source.psql('postgres', 'CREATE DATABASE shop');
          await source.psql('shop', SOURCE_SQL);
          await source.dump('shop', 'c', join(backups, 'shop.dump'));
          await source.dump('shop', 'd', join(backups, 'shop.dir'));
          await source.dump('shop', 'p', join(backups, 'shop.sql'));
        } finally {
          await source.remove();
        }
        const checks = `
    checks:
      - rows: { table: public.orders, exact: ${ORDERS} }
      - rows: { table: public.customers, exact: ${CUSTOMERS} }`;
        const drills = `
  - name: custom
    source: { pgdump: { store: backups, database: shop, key: shop.dump, jobs: 1 } }${checks}
  - name: custom-parallel
    source: { pgdump: { store: backups, database: shop, key: shop.dump, jobs: 2 } }${checks}
  - name: directory
    source: { pgdump: { store: backups, database: shop, key: shop.dir, format: directory } }${checks}
  - name: plain
    source: { pgdump: { store: backups, database: shop, key: shop.sql } }${checks}
`;
        const file = join(dir, 'majors-docker.yaml');
        await writeFile(
          file,
          `name: majors-${major}\nengine: { kind: docker, docker: { pull: never } }\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:${drills}`,
        );
        run = await runSuites(await loadSuites([file], { env: process.env }), { engine: 'docker', env: process.env });
        const localFile = join(dir, 'majors-local.yaml');
        await writeFile(
          localFile,
          `name: majors-${major}-local\nengine: { kind: local }\nstorage: { backups: { filesystem: { root: backups } } }\ndrills:${drills}`,
        );
        local = await runSuites(await loadSuites([localFile], { env: process.env }), {
          engine: 'local',
          env: process.env,
          only: ['custom', 'directory'],
        });
      }, 900_000);

      afterAll(async () => {
        if (!dir) return;
        expect(await pgdrillContainers(dir)).toEqual([]);
        await rm(dir, { recursive: true, force: true });
      });

      test.each(['custom', 'custom-parallel', 'directory', 'plain'])(
        `%s: restored into PostgreSQL ${major} in ${image} with exact rows`,
        (name) => {
          const drill = byName(name);
          expect(drill.error, JSON.stringify(drill.error)).toBeUndefined();
          expect(drill.checks.map((c) => [c.type, c.status])).toEqual([
            ['rows', 'passed'],
            ['rows', 'passed'],
          ]);
          expect(drill.status).toBe('passed');
          expect(drill.engine).toMatchObject({ kind: 'docker', image, major });
          expect(drill.backup![0]!.producedBy).toMatch(new RegExp(`^pg_dump ${major}\\.`));
        },
      );

      test.skipIf(hostMajors.includes(major))(
        `local engine without PostgreSQL ${major}: one error naming the server and the client packages, nothing tried with pg_restore ${hostMajors[0]}`,
        () => {
          for (const drill of local.drills) {
            expect(drill.status).toBe('error');
            expect(drill.error).toMatchObject({ code: 'POSTGRES_MAJOR_NOT_INSTALLED' });
            expect(drill.error!.message).toContain(`pg_dump ${major}`);
            expect(drill.error!.hint).toContain(`postgresql-${major} postgresql-client-${major}`);
            expect(drill.error!.hint).toContain(`postgres:${major}`);
          }
          expect(local.exitCode).toBe(3);
        },
      );
    },
  );

  // Keeps the reason visible in the report when the suite above is skipped.
  test.skipIf(why !== '')(title(`an image of PostgreSQL ${major} is available for the docker engine`), () => {
    expect(why).toBe('');
  });
}
