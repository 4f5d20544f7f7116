import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { manifestCheck } from '../../../src/checks/manifest-check.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { manifestCaptureCommand } from '../../../src/cli/commands/manifest-command.js';
import { fixturesDir } from '../../../src/demo/fixture-paths.js';
import { BEGIN_READ_ONLY, captureManifest } from '../../../src/manifest/capture-manifest.js';
import { captureManifestToFile } from '../../../src/manifest/capture-manifest-file.js';
import { compareManifest } from '../../../src/manifest/compare-manifest.js';
import { readManifestFile } from '../../../src/manifest/manifest-file.js';
import {
  PG_BIN,
  scratchPostgresUnavailable,
  startScratchPostgres,
  toQueryable,
  type ScratchPostgres,
} from '../../support/scratch-postgres.js';

const run = promisify(execFile);
const unavailable = scratchPostgresUnavailable();

describe.skipIf(unavailable !== undefined)(
  `manifest capture and check against real servers${unavailable ? ` (skipped: ${unavailable})` : ''}`,
  () => {
    let server: ScratchPostgres;
    let dir: string;
    let shop: pg.Client;
    const url = (database: string) => `postgresql://postgres@127.0.0.1:${server.port}/${database}`;
    const tool = (name: string, args: string[]) =>
      run(join(PG_BIN, name), ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', ...args]);
    const timestampColumns = ['shop.orders.created_at', 'shop.audit_log.at'];

    beforeAll(async () => {
      server = await startScratchPostgres();
      dir = await mkdtemp(join(tmpdir(), 'pgdrill-manifest-'));
      await tool('createdb', ['shop']);
      await tool('psql', [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-v',
        'scale=1',
        '-d',
        'shop',
        '-f',
        join(fixturesDir, 'demo', 'schema.sql'),
      ]);
      shop = (await connect('shop')).client;
      // Manifest A, then backup A: the backup is taken after the manifest, as `captured: before-backup` expects.
      await captureManifestToFile({ url: url('shop'), out: join(dir, 'a.json'), timestampColumns });
      await tool('pg_dump', ['-Fc', '-f', join(dir, 'a.dump'), 'shop']);
      await shop.query(
        `insert into shop.orders (user_id, amount, created_at) select 1, 9.99, timestamptz '2026-06-01' + g * interval '1 second' from generate_series(1, 500) g`,
      );
      await captureManifestToFile({ url: url('shop'), out: join(dir, 'b.json'), timestampColumns });
      await tool('createdb', ['restored_a']);
      await tool('pg_restore', ['--exit-on-error', '-d', 'restored_a', join(dir, 'a.dump')]);
    });

    const clients: pg.Client[] = [];
    afterAll(async () => {
      await Promise.allSettled(clients.map((c) => c.end()));
      await server?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    async function connect(database: string): Promise<{ client: pg.Client; db: Queryable }> {
      const client = new pg.Client({ host: '127.0.0.1', port: server.port, user: 'postgres', database });
      clients.push(client);
      await client.connect();
      return { client, db: toQueryable(client) };
    }

    function context(db: Queryable): CheckContext {
      return { db, database: 'restored_a', restoreSeconds: 1, objectives: {}, suiteDir: dir };
    }

    it('records what the shop database holds, in a file any user can read', async () => {
      const manifest = await readManifestFile(join(dir, 'a.json'));
      expect(manifest).toMatchObject({
        manifestVersion: 1,
        database: 'shop',
        counts: 'exact',
        schemas: null,
        timescaledb: null,
      });
      expect(manifest.serverVersionNum).toBeGreaterThanOrEqual(150000);
      const rows = Object.fromEntries(manifest.tables.map((t) => [`${t.schema}.${t.name}`, t.rows]));
      expect(rows).toEqual({
        'public.flyway_schema_history': 3,
        'shop.audit_log': 1000,
        'shop.orders': 20000,
        'shop.users': 5000,
      });
      expect(manifest.timestamps.find((t) => t.table === 'orders')).toMatchObject({
        max: '2026-01-05 15:06:40+00',
        epoch: Date.parse('2026-01-05T15:06:40Z') / 1000,
      });
      expect(manifest.sequences.map((s) => [s.name, s.lastValue, s.ownedBy?.column])).toEqual([
        ['audit_log_id_seq', '1000', 'id'],
        ['orders_id_seq', '20000', 'id'],
        ['users_id_seq', '5000', 'id'],
      ]);
      expect(manifest.migrations).toEqual([
        { tool: 'flyway', schema: 'public', table: 'flyway_schema_history', count: 3, head: '3' },
      ]);
      expect(manifest.extensions).toEqual([{ name: 'plpgsql', version: '1.0' }]);
      expect((await stat(join(dir, 'a.json'))).mode & 0o777).toBe(0o644);
    });

    it('captures the restored database with the same schema fingerprint as its source', async () => {
      const { db } = await connect('restored_a');
      const restored = await captureManifest(db);
      const source = await readManifestFile(join(dir, 'a.json'));
      expect(restored.schemaFingerprint).toBe(source.schemaFingerprint);
      expect(restored.tables).toEqual(source.tables);
    });

    it('keeps the fingerprint of every kind of object through pg_dump and pg_restore', async () => {
      const { db } = await server.createDatabase('kinds');
      for (const statement of [
        "create type shop_status as enum ('placed', 'paid')",
        'create domain positive as numeric(12, 2) check (value >= 0) not null',
        'create type pair as (a int, b text)',
        'create type span as range (subtype = float8)',
        'create table "Mixed.Case" (id bigint generated always as identity primary key, dropped int, s shop_status, p positive, total int generated always as (id * 2) stored)',
        'alter table "Mixed.Case" drop column dropped',
        'create table events (id int, at date not null, note text collate "C") partition by range (at)',
        "create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')",
        "insert into events values (1, '2026-02-03', 'x')",
        'create materialized view event_count as select count(*) as n from events',
        'create sequence countdown increment by -1 start with -1',
        "select nextval('countdown')",
        'create function touch() returns trigger language plpgsql as $$ begin return new; end $$',
        'create trigger events_touch before insert on events_2026 for each row execute function touch()',
        'insert into "Mixed.Case" (s, p) values (\'paid\', 3)',
      ])
        await db.query(statement);
      const source = await captureManifest(db, { timestampColumns: ['public.events.at'] });
      await tool('pg_dump', ['-Fc', '-f', join(dir, 'kinds.dump'), 'kinds']);
      await tool('createdb', ['kinds_restored']);
      await tool('pg_restore', ['--exit-on-error', '-d', 'kinds_restored', join(dir, 'kinds.dump')]);
      const restored = await captureManifest((await connect('kinds_restored')).db, {
        timestampColumns: ['public.events.at'],
      });
      expect(source.types.map((t) => `${t.kind} ${t.name}`)).toEqual([
        'composite pair',
        'domain positive',
        'enum shop_status',
        'range span',
      ]);
      expect(source.tables.map((t) => [t.name, t.kind, t.rows])).toEqual([
        ['Mixed.Case', 'table', 1],
        ['event_count', 'materialized view', 1],
        ['events', 'partitioned table', null],
        ['events_2026', 'table', 1],
      ]);
      expect(source.timestamps).toEqual([
        {
          schema: 'public',
          table: 'events',
          column: 'at',
          max: '2026-02-03',
          epoch: Date.parse('2026-02-03T00:00:00Z') / 1000,
        },
      ]);
      expect(restored.schemaFingerprint).toBe(source.schemaFingerprint);
      expect(compareManifest(source, restored)).toEqual([]);
    });

    it('passes when backup A is checked against the manifest captured before it', async () => {
      const { db } = await connect('restored_a');
      const result = await runCheck(manifestCheck, manifestCheck.options.parse({ file: 'a.json' }), context(db));
      expect(result).toMatchObject({ status: 'passed', name: 'manifest a.json', actual: 'no differences' });
      expect(result.message).toMatch(
        /^the restored database matches the manifest of shop captured \S+Z: restored_a on PostgreSQL 15/,
      );
      expect(result.details).toContain('shop.orders: 20000 rows restored, 20000 in the manifest');
    });

    it('fails against the newer manifest, naming the tables, counts, sequences and timestamps that differ', async () => {
      const { db } = await connect('restored_a');
      const result = await runCheck(
        manifestCheck,
        manifestCheck.options.parse({ file: 'b.json', tolerance: { time: '1h' } }),
        context(db),
      );
      expect(result.status).toBe('failed');
      expect(result.message).toMatch(
        /^3 differences from the manifest of shop captured \S+: shop\.orders: 20000 rows restored, 20500 in the manifest \(500 fewer/,
      );
      expect(result.details).toEqual([
        'shop.orders: 20000 rows restored, 20500 in the manifest (500 fewer: a backup taken after the manifest may gain rows, never lose them)',
        'shop.orders.created_at: newest 2026-01-05 15:06:40+00 restored, newest 2026-06-01 00:08:20+00 in the manifest (146d 9h older; at most 1h tolerated)',
        'sequence shop.orders_id_seq: next value 20001 restored, 20501 in the manifest (500 behind the manifest)',
      ]);
      expect(result.actual).toBe('1 row count, 1 timestamp, 1 sequence');
    });

    it('passes against the newer manifest when it was captured after the backup and the drift is tolerated', async () => {
      const { db } = await connect('restored_a');
      const options = manifestCheck.options.parse({
        file: 'b.json',
        captured: 'after-backup',
        tolerance: { rows: 1000, time: '200d' },
      });
      expect(await runCheck(manifestCheck, options, context(db))).toMatchObject({ status: 'passed' });
      const ignored = manifestCheck.options.parse({ file: 'b.json', ignoreTables: ['shop.orders'] });
      expect(await runCheck(manifestCheck, ignored, context(db))).toMatchObject({ status: 'passed' });
    });

    it('names the table whose indexes or columns the restore changed', async () => {
      await tool('createdb', ['restored_b']);
      await tool('pg_restore', ['--exit-on-error', '-d', 'restored_b', join(dir, 'a.dump')]);
      const { db } = await connect('restored_b');
      await db.query('drop index shop.orders_created_at_idx');
      await db.query('alter table shop.users alter column full_name drop not null');
      const result = await runCheck(manifestCheck, manifestCheck.options.parse({ file: 'a.json' }), {
        ...context(db),
        database: 'restored_b',
      });
      expect(result).toMatchObject({ status: 'failed', actual: '2 table definitions' });
      expect(result.details).toEqual([
        'shop.orders: indexes differ from the manifest',
        'shop.users: columns differ from the manifest',
      ]);
    });

    it('runs every statement in one read-only, repeatable-read transaction: a concurrent insert is not seen', async () => {
      const { client } = await connect('shop');
      const { db: writer } = await connect('shop');
      const states: string[] = [];
      const statements: string[] = [];
      let inserted = false;
      const recording: Queryable = {
        async query<R>(sql: string, params?: unknown[]): Promise<R[]> {
          const rows = (await client.query(sql, params)).rows as R[];
          statements.push(sql.trim().split('\n')[0]!);
          if (/^(begin|commit|rollback)/.test(sql.trim())) return rows;
          const [state] = (
            await client.query(
              "select current_setting('transaction_read_only') || ' ' || current_setting('transaction_isolation') as s",
            )
          ).rows;
          states.push(state.s);
          if (!inserted) {
            inserted = true; // after the first query: the snapshot is taken
            await writer.query(
              "insert into shop.audit_log (message) select 'during capture' from generate_series(1, 7)",
            );
          }
          return rows;
        },
      };
      const manifest = await captureManifest(recording, { schemas: ['shop'] });
      expect(statements[0]).toBe(BEGIN_READ_ONLY);
      expect(statements.at(-1)).toBe('commit');
      expect(new Set(states)).toEqual(new Set(['on repeatable read']));
      expect(manifest.tables.find((t) => t.name === 'audit_log')?.rows).toBe(1000);
      const after = await captureManifest(toQueryable(client), { schemas: ['shop'] });
      expect(after.tables.find((t) => t.name === 'audit_log')?.rows).toBe(1007);
      await expect(
        client.query('insert into shop.audit_log (message) values ($1)', ['still usable']),
      ).resolves.toBeDefined();
      await writer.query("delete from shop.audit_log where message in ('during capture', 'still usable')");
    });

    it('counts with the planner estimate when asked', async () => {
      const { db } = await connect('shop');
      const manifest = await captureManifest(db, { counts: 'estimated', schemas: ['shop'] });
      expect(manifest.counts).toBe('estimated');
      expect(manifest.tables.find((t) => t.name === 'users')).toMatchObject({ rows: 5000, rowsEstimated: true });
    });

    describe('pgdrill manifest capture', () => {
      it('writes the manifest and a one-line summary, exit 0', async () => {
        const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
        try {
          const out = join(dir, 'cli', 'nested', 'm.json');
          expect(
            await manifestCaptureCommand({
              db: url('shop'),
              out,
              counts: 'exact',
              timestamp: ['shop.orders.created_at'],
            }),
          ).toBe(0);
          expect((await readManifestFile(out)).timestamps).toHaveLength(1);
          expect(String(stderr.mock.calls.at(-1)?.[0])).toMatch(
            /^pgdrill: manifest written to .*m\.json: shop on PostgreSQL 15\.\d+: 4 tables, 26503 rows \(exact\), 3 sequences, 1 extension, 1 timestamp column, flyway head 3, schema [0-9a-f]{12}\n$/,
          );
          expect(await readdir(join(dir, 'cli', 'nested'))).toEqual(['m.json']);
        } finally {
          stderr.mockRestore();
        }
      });

      it.each([
        [
          'an unreachable database',
          () => ({ db: 'postgresql://postgres:s3cret@127.0.0.1:1/shop' }),
          3,
          /DATABASE_UNREACHABLE: could not connect to postgresql:\/\/postgres@127\.0\.0\.1:1\/shop/,
        ],
        [
          'a database that does not exist',
          () => ({ db: url('nope') }),
          3,
          /DATABASE_NOT_FOUND: .*database "nope" does not exist/,
        ],
        ['a URL that is not one', () => ({ db: 'host=localhost dbname=shop' }), 2, /INVALID_DATABASE_URL/],
        [
          'a timestamp column that does not exist',
          () => ({ db: url('shop'), timestamp: ['shop.orders.shipped_at'] }),
          2,
          /TIMESTAMP_COLUMN_NOT_FOUND: column shop\.orders\.shipped_at does not exist/,
        ],
        [
          'a timestamp column of another type',
          () => ({ db: url('shop'), timestamp: ['shop.orders.amount'] }),
          2,
          /TIMESTAMP_COLUMN_NOT_TEMPORAL: column shop\.orders\.amount is numeric/,
        ],
        [
          'a schema that does not exist',
          () => ({ db: url('shop'), schema: ['Shop'] }),
          2,
          /SCHEMA_NOT_FOUND: schema Shop does not exist.*\n.*hint: schemas found: public, shop/,
        ],
      ])('exits with a clear error for %s', async (_, flags, code, message) => {
        const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
        try {
          const out = join(dir, 'failed.json');
          expect(await manifestCaptureCommand({ out, ...flags() })).toBe(code);
          const printed = stderr.mock.calls.map((c) => String(c[0])).join('');
          expect(printed).toMatch(message);
          expect(printed).not.toContain('s3cret');
          await expect(stat(out)).rejects.toThrow(/ENOENT/);
        } finally {
          stderr.mockRestore();
        }
      });
    });

    it('leaves the source database as it was', async () => {
      const { rows } = await shop.query<{ n: string }>(
        "select count(*)::text as n from shop.audit_log where message like 'during capture%' or message = 'still usable'",
      );
      expect(rows[0]?.n).toBe('0');
      expect(JSON.parse(await readFile(join(dir, 'a.json'), 'utf8')).manifestVersion).toBe(1);
    });
  },
);
