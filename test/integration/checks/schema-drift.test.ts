import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { schemaDriftCheck } from '../../../src/checks/schema-drift-check.js';
import { captureSchemaSnapshot, writeSchemaSnapshot } from '../../../src/checks/schema-snapshot.js';
import {
  PG_BIN,
  scratchPostgresUnavailable,
  startScratchPostgres,
  type ScratchPostgres,
} from '../../support/scratch-postgres.js';

const unavailable = scratchPostgresUnavailable();
const noDb: Queryable = { query: () => Promise.reject(new Error('not used')) };

async function check(db: Queryable, suiteDir: string, input: unknown) {
  const context: CheckContext = { db, database: 'test', restoreSeconds: 1, objectives: {}, suiteDir };
  return runCheck(schemaDriftCheck, schemaDriftCheck.options.parse(input), context);
}

async function exec(db: Queryable, ...statements: string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}

const SOURCE_SCHEMA = [
  'create extension pgcrypto',
  'create schema shop',
  "create type shop.state as enum ('open', 'paid')",
  'create table shop.users (id bigint generated always as identity primary key, email text not null unique, name text)',
  `create table shop.orders (id serial primary key, user_id bigint not null references shop.users,
     amount numeric(12,2) not null default 0 check (amount >= 0), state shop.state not null default 'open',
     total_cents bigint generated always as ((amount * 100)::bigint) stored)`,
  'create index orders_user_id_idx on shop.orders (user_id)',
  "create view shop.open_orders as select id, user_id from shop.orders where state = 'open'",
  'create function shop.order_count(bigint) returns bigint language sql stable as $$ select count(*) from shop.orders where user_id = $1 $$',
  'create table "Sales"."Q1" ("Region" text)',
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-drift-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('schemaDrift snapshot files', () => {
  it('is an error naming the file when the snapshot does not exist', async () => {
    const result = await check(noDb, dir, { snapshot: 'missing.json' });
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/^SCHEMA_SNAPSHOT_NOT_FOUND: cannot read schema snapshot .*missing\.json: /);
    expect(result.details).toContain(
      'hint: capture it from the source database with writeSchemaSnapshot(), and give its path relative to the suite file',
    );
  });

  it('is an error listing what is wrong with a snapshot that is not one', async () => {
    await writeFile(join(dir, 'broken.json'), '{"version": 2, "tables": {"shop.orders": {"columns": []}}}');
    const result = await check(noDb, dir, { snapshot: 'broken.json' });
    expect(result.message).toMatch(
      /^SCHEMA_SNAPSHOT_INVALID: schema snapshot .*broken\.json is not a version 1 snapshot \(\d+ problems\)$/,
    );
    expect(result.details).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^version: /),
        expect.stringMatching(/^tables\.shop\.orders\.indexes: /),
      ]),
    );
    await writeFile(join(dir, 'notjson.json'), 'version: 1');
    expect((await check(noDb, dir, { snapshot: 'notjson.json' })).message).toMatch(
      /^SCHEMA_SNAPSHOT_INVALID: schema snapshot .*notjson\.json is not JSON: /,
    );
  });

  it('rejects unknown option keys', () => {
    expect(schemaDriftCheck.options.safeParse({ snapshot: 'a.json', ignored: [] }).success).toBe(false);
    expect(schemaDriftCheck.options.safeParse({}).success).toBe(false);
  });
});

describe.skipIf(unavailable !== undefined)(
  `schemaDrift against a real PostgreSQL${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let pg: ScratchPostgres;
    let source: Queryable;
    beforeAll(async () => {
      pg = await startScratchPostgres();
      ({ db: source } = await pg.createDatabase('source'));
      await exec(source, 'create schema "Sales"', ...SOURCE_SCHEMA);
      await writeSchemaSnapshot(source, join(dir, 'snapshots', 'source.json'));
    });
    afterAll(async () => {
      await pg?.stop();
    });

    it('captures the same snapshot whatever the session search_path, and leaves the search_path as it was', async () => {
      const written = JSON.parse(await readFile(join(dir, 'snapshots', 'source.json'), 'utf8'));
      await exec(source, 'set search_path = shop, public');
      expect(await captureSchemaSnapshot(source)).toEqual(written);
      expect(await source.query('show search_path')).toEqual([{ search_path: 'shop, public' }]);
      await exec(source, 'reset search_path');
      expect(Object.keys(written.tables)).toEqual(['"Sales"."Q1"', 'shop.open_orders', 'shop.orders', 'shop.users']);
      expect(written.tables['shop.orders'].columns).toContainEqual({
        name: 'state',
        type: 'shop.state',
        nullable: false,
        default: "'open'::shop.state",
      });
      expect(written.functions).toEqual([
        { signature: 'shop.order_count(bigint)', resultType: 'bigint', language: 'sql' },
      ]);
      expect(written.extensions.map((e: { name: string }) => e.name)).toEqual(['pgcrypto', 'plpgsql']);
    });

    it('passes against itself and against a pg_dump restore of it', async () => {
      expect(await check(source, dir, { snapshot: 'snapshots/source.json' })).toMatchObject({
        status: 'passed',
        name: 'schemaDrift snapshots/source.json',
        message: 'schema matches snapshots/source.json: 4 tables, 2 extensions, 1 function compared',
      });
      const { db: restored } = await pg.createDatabase('restored');
      const dump = execFileSync(
        join(PG_BIN, 'pg_dump'),
        ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', 'source'],
        { encoding: 'utf8' },
      );
      execFileSync(
        join(PG_BIN, 'psql'),
        ['-h', '127.0.0.1', '-p', String(pg.port), '-U', 'postgres', '-X', '-q', '-v', 'ON_ERROR_STOP=1', 'restored'],
        {
          input: dump,
        },
      );
      expect(await check(restored, dir, { snapshot: 'snapshots/source.json' })).toMatchObject({
        status: 'passed',
        actual: 'no drift',
      });
    });

    it('names each drift after columns and indexes change', async () => {
      const { db: drifted } = await pg.createDatabase('drifted');
      await exec(
        drifted,
        'create schema "Sales"',
        ...SOURCE_SCHEMA,
        'alter table shop.users add column nickname text',
        'drop index shop.orders_user_id_idx',
        'drop view shop.open_orders',
        'alter table shop.orders alter column total_cents drop expression',
        'alter table shop.orders alter column amount type numeric',
        "create view shop.open_orders as select id, user_id from shop.orders where state = 'open'",
      );
      const result = await check(drifted, dir, { snapshot: 'snapshots/source.json' });
      expect(result.status).toBe('failed');
      expect(result.details).toEqual([
        'column shop.orders.amount type numeric(12,2) → numeric',
        'column shop.orders.total_cents default generated always as (((amount * (100)::numeric))::bigint) stored → none',
        'missing index orders_user_id_idx on shop.orders',
        'extra column shop.users.nickname (text)',
      ]);
      expect(result.message).toBe(
        'schema differs from snapshots/source.json in 4 ways: column shop.orders.amount type numeric(12,2) → numeric; ' +
          'column shop.orders.total_cents default generated always as (((amount * (100)::numeric))::bigint) stored → none; ' +
          'missing index orders_user_id_idx on shop.orders; and 1 more',
      );
      const ignoring = await check(drifted, dir, {
        snapshot: 'snapshots/source.json',
        schemas: ['shop'],
        ignore: ['shop.orders', 'shop.users.nickname'],
      });
      expect(ignoring).toMatchObject({
        status: 'passed',
        message: 'schema matches snapshots/source.json: 2 tables, 2 extensions, 1 function compared',
      });
    });
  },
);
