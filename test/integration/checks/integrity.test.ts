import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { integrityCheck } from '../../../src/checks/integrity-check.js';
import { runCheck } from '../../../src/checks/run-check.js';
import {
  overwriteBytes,
  restartablePostgresUnavailable,
  startRestartablePostgres,
  type RestartablePostgres,
} from '../../support/restartable-postgres.js';

const unavailable = restartablePostgresUnavailable();
const BLOCK = 8192;

async function check(db: Queryable, input: unknown = {}) {
  const context: CheckContext = { db, database: 'test', restoreSeconds: 1, objectives: {}, suiteDir: '.' };
  return runCheck(integrityCheck, integrityCheck.options.parse(input), context);
}

async function exec(db: Queryable, ...statements: string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}

/** The relation's main fork, under the data directory. */
async function relationFile(pg: RestartablePostgres, db: Queryable, relation: string): Promise<string> {
  const [row] = await db.query<{ path: string }>('select pg_relation_filepath($1::regclass) as path', [relation]);
  return join(pg.dataDir, row!.path);
}

async function createOrders(pg: RestartablePostgres, name: string): Promise<Queryable> {
  const { db } = await pg.createDatabase(name);
  await exec(
    db,
    'create table orders (id int primary key, note text)',
    "insert into orders select g, repeat('x', g % 50) from generate_series(1, 20000) g",
    'checkpoint',
  );
  return db;
}

describe('integrity options', () => {
  it('verifies everything by default and rejects unknown keys', () => {
    expect(integrityCheck.options.parse({})).toEqual({ heapallindexed: true, heap: true, readAll: true });
    expect(integrityCheck.label(integrityCheck.options.parse({ schemas: ['shop', 'Sales'] }))).toBe(
      'integrity in shop, "Sales"',
    );
    expect(integrityCheck.options.safeParse({ heapAllIndexed: false }).success).toBe(false);
    expect(integrityCheck.options.safeParse({ maxRelations: 0 }).success).toBe(false);
  });

  it('is an error, naming the package to install, when the server has no amcheck', async () => {
    const missing = Object.assign(
      new Error('could not open extension control file "/usr/share/postgresql/16/extension/amcheck.control"'),
      {
        severity: 'ERROR',
        code: '58P01',
      },
    );
    const db: Queryable = {
      async query<R>(sql: string): Promise<R[]> {
        if (sql.startsWith('create extension')) throw missing;
        if (sql.includes('server_version_num')) return [{ major: '16' }] as R[];
        return [];
      },
    };
    const result = await check(db);
    expect(result.status).toBe('error');
    expect(result.message).toMatch(
      /^AMCHECK_UNAVAILABLE: the amcheck extension is not installed on this PostgreSQL 16 server/,
    );
    expect(result.details?.join('\n')).toContain('postgresql-16');
  });
});

describe.skipIf(unavailable !== undefined)(
  `integrity against a real PostgreSQL${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    describe('without data checksums', () => {
      let pg: RestartablePostgres;
      let sound: Queryable;
      let indexDamaged: Queryable;
      let heapDamaged: Queryable;
      let crashing: Queryable;

      beforeAll(async () => {
        pg = await startRestartablePostgres();
        ({ db: sound } = await pg.createDatabase('sound'));
        await exec(
          sound,
          'create schema shop',
          'create table shop.users (id int primary key, name text unique, bio text)',
          "insert into shop.users select g, 'user' || g, repeat(md5(g::text), 200) from generate_series(1, 200) g",
          'create table shop.events (at date, user_id int) partition by range (at)',
          "create table shop.events_2026 partition of shop.events for values from ('2026-01-01') to ('2027-01-01')",
          "insert into shop.events select date '2026-01-01' + g % 300, g from generate_series(1, 1000) g",
          'create index on shop.events (user_id)',
          'create materialized view shop.later as select 1 as x with no data',
          'create table public.notes (id serial primary key)',
        );
        const damaged = {
          index: await createOrders(pg, 'index_damaged'),
          heap: await createOrders(pg, 'heap_damaged'),
          crash: await createOrders(pg, 'crashing'),
        };
        const files = {
          index: await relationFile(pg, damaged.index, 'orders_pkey'),
          heap: await relationFile(pg, damaged.heap, 'orders'),
          crash: await relationFile(pg, damaged.crash, 'orders_pkey'),
        };
        await pg.stopServer();
        // Block 0 of a btree is its metapage; block 1 is a leaf. 0x01 bytes give index tuples a wrong size.
        await overwriteBytes(files.index, BLOCK + 3000, Buffer.alloc(300, 0x01));
        await overwriteBytes(files.heap, 3 * BLOCK + 4000, Buffer.alloc(300, 0xcd));
        // 0xab sets the posting-list bit on garbage tuples: bt_index_check (PostgreSQL 15) reads past the page and segfaults.
        await overwriteBytes(files.crash, BLOCK + 3000, Buffer.alloc(300, 0xab));
        await pg.startServer();
        ({ db: sound } = await pg.connect('sound'));
        ({ db: indexDamaged } = await pg.connect('index_damaged'));
        ({ db: heapDamaged } = await pg.connect('heap_damaged'));
        ({ db: crashing } = await pg.connect('crashing'));
      });
      afterAll(async () => {
        await pg?.destroy();
      });

      it('passes on a sound database, counting what it verified, and drops the amcheck it created', async () => {
        const result = await check(sound);
        expect(result).toMatchObject({ status: 'passed', name: 'integrity', actual: 'no problems' });
        expect(result.message).toBe(
          'no corruption: checked 5 btree indexes (heapallindexed), 5 tables (TOAST included) with verify_heapam, ' +
            'read 3 tables in full (1200 rows); data checksums off',
        );
        expect(result.details).toContain(
          'amcheck 1.3 in schema "public" (created for this check and dropped after it)',
        );
        expect(await sound.query("select from pg_extension where extname = 'amcheck'")).toHaveLength(0);
      });

      it('limits itself to the schemas and number of tables asked, listing what it left out', async () => {
        const result = await check(sound, {
          schemas: ['shop'],
          maxRelations: 1,
          heapallindexed: false,
          readAll: false,
        });
        expect(result).toMatchObject({ status: 'passed', name: 'integrity in shop' });
        expect(result.message).toBe(
          'no corruption: checked 1 btree index, 1 table (TOAST included) with verify_heapam, read 0 tables in full (0 rows); data checksums off',
        );
        expect(result.details).toContain('not verified (maxRelations 1): shop.later, shop.users');
      });

      it('uses an amcheck already installed, wherever it is, and leaves it there', async () => {
        await exec(sound, 'create schema tools', 'create extension amcheck schema tools');
        const result = await check(sound, { schemas: ['public'] });
        expect(result.status).toBe('passed');
        expect(result.details).toContain('amcheck 1.3 in schema "tools" (already installed)');
        expect(await sound.query("select from pg_extension where extname = 'amcheck'")).toHaveLength(1);
        await exec(sound, 'drop schema tools cascade');
      });

      it('lists an invalid index as not verified (amcheck refuses those; the schema check reports them)', async () => {
        await exec(sound, 'create schema dupes', 'create table dupes.t (x int)', 'insert into dupes.t values (1), (1)');
        await expect(sound.query('create unique index concurrently t_x on dupes.t (x)')).rejects.toThrow(
          /could not create unique index/,
        );
        const result = await check(sound, { schemas: ['dupes'] });
        expect(result).toMatchObject({ status: 'passed' });
        expect(result.details).toContain('not verified: index dupes.t_x on dupes.t is not valid');
        await exec(sound, 'drop schema dupes cascade');
      });

      it('fails naming a damaged index, with what amcheck found', async () => {
        const result = await check(indexDamaged);
        expect(result.status).toBe('failed');
        expect(result.message).toMatch(
          /^1 problem in public\.orders_pkey; checked 2 btree indexes \(heapallindexed\), 2 tables \(TOAST included\) with verify_heapam, read 1 table in full \(20000 rows\); data checksums off$/,
        );
        expect(result.details?.[0]).toMatch(
          /^index public\.orders_pkey on public\.orders: bt_index_check raised ERROR XX002: index tuple size does not equal lp_len in index "orders_pkey"; detail: Index tid=\(1,\d+\)/,
        );
      });

      it('fails naming the table, block and offset of each corrupt tuple verify_heapam finds', async () => {
        const result = await check(heapDamaged);
        expect(result.status).toBe('failed');
        expect(result.message).toMatch(/^\d+ problems in public\.orders/);
        const heapLines = result.details!.filter((line) => line.startsWith('public.orders block'));
        expect(heapLines.length).toBeGreaterThan(0);
        for (const line of heapLines) expect(line).toMatch(/^public\.orders block 3 offset \d+: \S/);
      });

      it('reports a server process that crashed while verifying an index as a failure naming that index', async () => {
        const result = await check(crashing);
        expect(result.status).toBe('failed');
        expect(result.message).toMatch(
          /^1 problem in public\.orders_pkey; .* data checksums unknown \(connection lost\)$/,
        );
        expect(result.details).toEqual([
          'index public.orders_pkey on public.orders: the connection was lost during bt_index_check (the server process most likely crashed on a corrupt page; see the server log)',
          'not run after the connection was lost: 1 step',
          'amcheck 1.3 in schema "public" (created for this check; left behind, the connection was lost)',
        ]);
      });
    });

    describe('with data checksums', () => {
      let pg: RestartablePostgres;
      let db: Queryable;

      beforeAll(async () => {
        pg = await startRestartablePostgres({ dataChecksums: true });
        db = await createOrders(pg, 'checksummed');
        const file = await relationFile(pg, db, 'orders_pkey');
        await pg.stopServer();
        await overwriteBytes(file, BLOCK + 3000, Buffer.alloc(300, 0xab));
        await pg.startServer();
        ({ db } = await pg.connect('checksummed'));
      });
      afterAll(async () => {
        await pg?.destroy();
      });

      it('reports the page whose checksum fails instead of crashing on it', async () => {
        const result = await check(db);
        expect(result.status).toBe('failed');
        expect(result.message).toMatch(
          /^1 problem in public\.orders_pkey; .*; data checksums on \(1 checksum failure counted in this database\)$/,
        );
        expect(result.details?.[0]).toMatch(
          /^index public\.orders_pkey on public\.orders: bt_index_check raised ERROR XX001: invalid page in block 1 of relation base\/\d+\/\d+$/,
        );
      });
    });
  },
);
