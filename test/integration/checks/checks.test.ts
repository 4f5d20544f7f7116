import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckContext, CheckDefinition, Queryable } from '../../../src/checks/check.js';
import { durationCheck } from '../../../src/checks/duration-check.js';
import { rowsCheck } from '../../../src/checks/rows-check.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { schemaCheck } from '../../../src/checks/schema-check.js';
import { sequencesCheck } from '../../../src/checks/sequences-check.js';
import { sqlCheck } from '../../../src/checks/sql-check.js';
import {
  scratchPostgresUnavailable,
  startScratchPostgres,
  type ScratchPostgres,
} from '../../support/scratch-postgres.js';

const unavailable = scratchPostgresUnavailable();

function context(db: Queryable, overrides: Partial<CheckContext> = {}): CheckContext {
  return { db, database: 'test', restoreSeconds: 12, objectives: {}, suiteDir: '.', ...overrides };
}

/** Parses options as a suite would, then runs the check the way the drill does. */
async function check<O>(
  definition: CheckDefinition<O>,
  input: unknown,
  db: Queryable,
  overrides: Partial<CheckContext> = {},
) {
  return runCheck(definition, definition.options.parse(input), context(db, overrides));
}

async function exec(db: Queryable, ...statements: string[]): Promise<void> {
  for (const statement of statements) await db.query(statement);
}

describe.skipIf(unavailable !== undefined)(
  `checks against a real PostgreSQL${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let pg: ScratchPostgres;
    beforeAll(async () => {
      pg = await startScratchPostgres();
    });
    afterAll(async () => {
      await pg?.stop();
    });

    describe('rows', () => {
      let db: Queryable;
      beforeAll(async () => {
        ({ db } = await pg.createDatabase('rows_db'));
        await exec(
          db,
          'create table orders (id serial primary key, total int)',
          'insert into orders (total) select g from generate_series(1, 50) g',
          'create schema "Sales"',
          'create table "Sales"."Orders" (id int)',
          'insert into "Sales"."Orders" values (1), (2)',
        );
      });

      it('passes when the count is within bounds', async () => {
        const result = await check(rowsCheck, { table: 'public.orders', min: 10, max: 100 }, db);
        expect(result).toMatchObject({ status: 'passed', name: 'rows public.orders >= 10 and <= 100', actual: '50' });
        expect(result.message).toBe('public.orders has 50 rows, expected between 10 and 100');
      });

      it('fails with the measured count when there are too few rows', async () => {
        const result = await check(rowsCheck, { table: 'orders', min: 1000 }, db);
        expect(result).toMatchObject({ status: 'failed', expected: '>= 1000', actual: '50' });
        expect(result.message).toBe('public.orders has 50 rows, expected at least 1000');
      });

      it('fails, not errors, when the table does not exist', async () => {
        const result = await check(rowsCheck, { table: 'public.nope', min: 1 }, db);
        expect(result).toMatchObject({ status: 'failed', message: 'table public.nope does not exist' });
      });

      it('counts a mixed-case table named with quotes', async () => {
        const result = await check(rowsCheck, { table: '"Sales"."Orders"', exact: 2 }, db);
        expect(result).toMatchObject({ status: 'passed', message: '"Sales"."Orders" has 2 rows, expected exactly 2' });
      });

      it('uses the planner estimate once analysed, and counts exactly before', async () => {
        const before = await check(rowsCheck, { table: 'orders', min: 50, estimate: true }, db);
        expect(before.message).toBe('public.orders has 50 rows, expected at least 50');
        await exec(db, 'analyze orders');
        const after = await check(rowsCheck, { table: 'orders', min: 50, estimate: true }, db);
        expect(after).toMatchObject({
          status: 'passed',
          message: 'public.orders has about 50 rows (planner estimate), expected at least 50',
        });
      });
    });

    describe('sequences', () => {
      let db: Queryable;
      beforeAll(async () => {
        ({ db } = await pg.createDatabase('sequences_db'));
        await exec(
          db,
          'create table with_serial (id serial primary key)',
          'create table with_identity (id bigint generated always as identity primary key)',
          'create table descending (id int)',
          'create sequence descending_seq increment by -1 start with -1 owned by descending.id',
          'create sequence loose_seq',
          'insert into with_serial select from generate_series(1, 10)',
          'insert into with_identity select from generate_series(1, 10)',
          "insert into descending select nextval('descending_seq') from generate_series(1, 5)",
        );
      });

      it('passes when every owned sequence is ahead of its column, listing unowned ones', async () => {
        const result = await check(sequencesCheck, {}, db);
        expect(result.status).toBe('passed');
        expect(result.message).toMatch(/^3 owned sequences checked: each is ahead of its column/);
        expect(result.details).toContain('unchecked: public.loose_seq (not owned by a column)');
      });

      it('fails naming a sequence set behind its column', async () => {
        await exec(db, "select setval('with_serial_id_seq', 3)");
        const result = await check(sequencesCheck, {}, db);
        expect(result.status).toBe('failed');
        expect(result.message).toContain('public.with_serial_id_seq');
        expect(result.details).toContain(
          'public.with_serial_id_seq (public.with_serial.id): last_value=3, is_called=true, max=10, next nextval()=4',
        );
        expect(result.message).not.toContain('with_identity');
      });

      it('treats is_called=false as "the next value is last_value"', async () => {
        await exec(db, "select setval('with_serial_id_seq', 10, false)");
        expect((await check(sequencesCheck, {}, db)).status).toBe('failed');
        await exec(db, "select setval('with_serial_id_seq', 11, false)");
        expect((await check(sequencesCheck, {}, db)).status).toBe('passed');
      });

      it('checks identity and descending sequences', async () => {
        await exec(
          db,
          "select setval(pg_get_serial_sequence('with_identity', 'id'), 9)",
          "select setval('descending_seq', -2)",
        );
        const result = await check(sequencesCheck, {}, db);
        expect(result.actual).toBe('2 behind: public.descending_seq, public.with_identity_id_seq');
        expect(result.details).toContain(
          'public.descending_seq (public.descending.id): last_value=-2, is_called=true, min=-5, next nextval()=-3',
        );
        const ignored = await check(sequencesCheck, { ignore: ['with_identity_id_seq', 'public.descending_seq'] }, db);
        expect(ignored).toMatchObject({ status: 'passed' });
        expect(ignored.details).toContain('ignored: public.descending_seq');
        await exec(
          db,
          "select setval(pg_get_serial_sequence('with_identity', 'id'), 10)",
          "select setval('descending_seq', -5)",
        );
      });

      it('limits the check to the schemas given', async () => {
        await exec(db, 'create schema other', 'create table other.t (id serial)', 'insert into other.t values (5)');
        const result = await check(sequencesCheck, { schemas: ['other'] }, db);
        expect(result).toMatchObject({
          status: 'failed',
          name: 'sequences in other',
          actual: '1 behind: other.t_id_seq',
        });
      });
    });

    describe('schema', () => {
      it('passes on a sound schema, verifying every foreign key once (partitions included)', async () => {
        const { db } = await pg.createDatabase('schema_ok');
        await exec(
          db,
          'create table customers (id int primary key)',
          'create table orders (id int primary key, customer_id int references customers)',
          'create table events (id int, customer_id int references customers, at date) partition by range (at)',
          "create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')",
          'insert into customers values (1), (2)',
          'insert into orders values (1, 1), (2, null)',
          "insert into events values (1, 2, '2026-05-01')",
        );
        const result = await check(
          schemaCheck,
          { tables: ['customers', 'public.orders'], absent: ['public.audit'] },
          db,
        );
        expect(result).toMatchObject({
          status: 'passed',
          name: 'schema public.customers, public.orders without public.audit',
        });
        expect(result.message).toBe(
          'schema holds: 2 required tables present, 1 forbidden table absent, 0 invalid indexes, 0 NOT VALID constraints, 2 foreign keys verified',
        );
      });

      describe('on a damaged schema', () => {
        let db: Queryable;
        beforeAll(async () => {
          ({ db } = await pg.createDatabase('schema_bad'));
          await exec(
            db,
            'create table customers (id int primary key, region int, unique (id, region))',
            'create table orders (id int primary key, customer_id int constraint orders_customer_fk references customers)',
            'create table shipments (id int, customer_id int, region int, ' +
              'constraint shipments_customer_full_fk foreign key (customer_id, region) references customers (id, region) match full)',
            'insert into customers values (1, 1)',
            'insert into orders values (1, 1), (2, 1)',
            'set session_replication_role = replica',
            'insert into orders values (3, 42), (4, 43)',
            'insert into shipments values (1, 1, null)',
            'reset session_replication_role',
            'alter table orders add constraint positive_id check (id > 0) not valid',
            'create table dupes (x int)',
            'insert into dupes values (1), (1)',
          );
          // Fails on the duplicates and leaves the index behind, not valid (and here not ready either).
          await expect(db.query('create unique index concurrently dupes_x on dupes (x)')).rejects.toThrow(
            /could not create unique index/,
          );
        });

        it('reports every problem at once, naming each offender', async () => {
          const result = await check(schemaCheck, { tables: ['orders', 'public.missing'], absent: ['dupes'] }, db);
          expect(result.status).toBe('failed');
          expect(result.message).toBe(
            'schema has 6 problems: 1 missing table (public.missing); 1 table that must be absent exists (public.dupes); ' +
              '1 invalid index, at most 0 allowed (public.dupes_x); 1 NOT VALID constraint, at most 0 allowed (positive_id); ' +
              '2 foreign keys with orphan rows (orders_customer_fk, shipments_customer_full_fk)',
          );
          expect(result.details).toEqual([
            'table public.missing does not exist',
            'table public.dupes exists but must be absent',
            'invalid index public.dupes_x on public.dupes (indisvalid=false, indisready=false)',
            'NOT VALID constraint positive_id on public.orders: CHECK ((id > 0)) NOT VALID',
            'foreign key orders_customer_fk: 2 rows of public.orders (customer_id) have no match in public.customers (id)',
            'foreign key shipments_customer_full_fk: 1 row of public.shipments (customer_id, region) has no match in public.customers (id, region)',
          ]);
        });

        it('tolerates what the options allow', async () => {
          const result = await check(
            schemaCheck,
            { invalidIndexes: 1, notValidConstraints: 1, foreignKeys: false },
            db,
          );
          expect(result.status).toBe('passed');
          expect(result.details).toContain(
            'tolerated: invalid index public.dupes_x on public.dupes (indisvalid=false, indisready=false)',
          );
        });
      });
    });

    describe('sql', () => {
      let db: Queryable;
      beforeAll(async () => {
        ({ db } = await pg.createDatabase('sql_db'));
        await exec(
          db,
          'create table orders (id int, state text)',
          "insert into orders values (1, 'paid'), (2, 'open')",
        );
      });

      it('compares a bigint count with a number, text with a string, NULL with null', async () => {
        expect(await check(sqlCheck, { query: 'select count(*) from orders', equals: 2 }, db)).toMatchObject({
          status: 'passed',
          actual: '2',
        });
        expect(
          await check(sqlCheck, { query: 'select state from orders order by id', equals: 'paid' }, db),
        ).toMatchObject({ status: 'passed' });
        expect(
          await check(sqlCheck, { query: 'select max(id) from orders where false', equals: null }, db),
        ).toMatchObject({ status: 'passed' });
        expect(await check(sqlCheck, { query: 'select true', equals: false }, db)).toMatchObject({
          status: 'failed',
          message: 'query returned true, expected false',
        });
      });

      it('checks a minimum and names the check', async () => {
        const result = await check(
          sqlCheck,
          { name: 'recent orders', query: "select count(*) from orders where state = 'refunded'", min: 1 },
          db,
        );
        expect(result).toMatchObject({
          status: 'failed',
          name: 'sql recent orders >= 1',
          message: 'recent orders: query returned 0, expected at least 1',
        });
      });

      it('checks that a query returns no rows, showing the rows it did return', async () => {
        expect(
          await check(sqlCheck, { query: "select * from orders where state = 'lost'", empty: true }, db),
        ).toMatchObject({ status: 'passed' });
        const result = await check(sqlCheck, { query: "select id from orders where state = 'open'", empty: true }, db);
        expect(result).toMatchObject({
          status: 'failed',
          message: 'query returned 1 rows, expected none',
          details: ['{"id":2}'],
        });
      });

      it('turns an SQL error into status error with severity and SQLSTATE', async () => {
        const result = await check(sqlCheck, { query: 'select count(*) from nope', min: 1 }, db);
        expect(result).toMatchObject({ status: 'error', message: 'ERROR 42P01: relation "nope" does not exist' });
      });
    });

    describe('duration', () => {
      it("compares the restore time with the suite's RTO", async () => {
        const db: Queryable = { query: () => Promise.reject(new Error('not used')) };
        const within = await check(durationCheck, {}, db, { restoreSeconds: 42.14, objectives: { rtoSeconds: 3600 } });
        expect(within).toMatchObject({
          status: 'passed',
          name: 'duration <= RTO',
          message: "restore took 42.1 s, expected at most 3600 s (the suite's RTO 1h)",
        });
        const over = await check(durationCheck, { max: '30s' }, db, {
          restoreSeconds: 42.14,
          objectives: { rtoSeconds: 3600 },
        });
        expect(over).toMatchObject({ status: 'failed', expected: '<= 30 s', actual: '42.1 s' });
      });
    });
  },
);
