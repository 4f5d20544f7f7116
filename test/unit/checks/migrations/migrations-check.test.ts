import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../../src/checks/check.js';
import { computeFlywayChecksum } from '../../../../src/checks/migrations/flyway.js';
import { migrationsCheck } from '../../../../src/checks/migrations/migrations-check.js';
import { runCheck } from '../../../../src/checks/run-check.js';
import { fakeDb } from '../fake-db.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/migrations/', import.meta.url));
const context = (db: Queryable): CheckContext => ({
  db,
  database: 'test',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: fixtures,
});
const parse = (input: unknown) => migrationsCheck.options.safeParse(input);
const issues = (input: unknown) =>
  parse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);

describe('migrations options', () => {
  it('defaults pending to warn', () => {
    expect(migrationsCheck.options.parse({ tool: 'flyway', dir: 'db/migration' })).toEqual({
      tool: 'flyway',
      dir: 'db/migration',
      pending: 'warn',
    });
  });

  it.each([
    [
      { tool: 'liquibase', dir: 'x' },
      'tool: Invalid option: expected one of "flyway"|"knex"|"node-pg-migrate"|"drizzle"|"prisma"|"confiture"|"generic"',
    ],
    [{ tool: 'knex' }, 'dir: Invalid input: expected string, received undefined'],
    [{ tool: 'knex', dir: 'x', pending: 'ignore' }, 'pending: Invalid option: expected one of "warn"|"fail"'],
    [{ tool: 'knex', dir: 'x', table: 'a.b.c' }, 'table: expected schema.table or table'],
    [{ tool: 'knex', dir: 'x', tabel: 'x' }, ': Unrecognized key: "tabel"'],
    [{ tool: 'generic', dir: 'x' }, 'generic: tool generic needs generic: { table, versionColumn }'],
    [
      { tool: 'knex', dir: 'x', generic: { table: 't', versionColumn: 'v' } },
      'generic: generic is only for tool generic (tool is knex)',
    ],
    [
      { tool: 'generic', dir: 'x', table: 't', generic: { table: 't', versionColumn: 'v' } },
      'table: for tool generic, set the table in generic.table',
    ],
    [
      { tool: 'generic', dir: 'x', generic: { table: 't', versionColumn: 'v', algorithm: 'md5' } },
      'generic.algorithm: algorithm md5 needs checksumColumn',
    ],
    [
      { tool: 'generic', dir: 'x', generic: { table: 't' } },
      'generic.versionColumn: Invalid input: expected string, received undefined',
    ],
  ])('rejects %j', (input, message) => {
    expect(issues(input)).toContain(message);
  });

  it('labels with tool, directory and an overridden table', () => {
    expect(
      migrationsCheck.label(
        migrationsCheck.options.parse({ tool: 'drizzle', dir: 'drizzle', table: 'ops.migrations' }),
      ),
    ).toBe('migrations drizzle drizzle (ops.migrations)');
  });
});

describe('migrations run', () => {
  const tableExists = (exists: boolean): [RegExp, unknown[]] => [
    /from pg_class c join pg_namespace/,
    exists ? [{ oid: '1', relkind: 'r' }] : [],
  ];
  const flywayRow = (rank: number, version: string | null, description: string, script: string, text: string) => ({
    installed_rank: rank,
    version,
    description,
    type: 'SQL',
    script,
    checksum: computeFlywayChecksum(Buffer.from(text)),
    success: true,
  });
  const run = (db: Queryable, input: object) =>
    runCheck(migrationsCheck, migrationsCheck.options.parse({ tool: 'flyway', dir: 'flyway', ...input }), context(db));

  it('fails naming the history table it did not find', async () => {
    const result = await run(fakeDb([tableExists(false)]), {});
    expect(result).toMatchObject({
      status: 'failed',
      message: 'no flyway history table public.flyway_schema_history in the restored database',
    });
  });

  it('is an error, with its code, when the directory does not exist', async () => {
    const result = await run(fakeDb([]), { dir: 'nope' });
    expect(result.status).toBe('error');
    expect(result.message).toMatch(/^MIGRATIONS_DIR_NOT_FOUND: migrations directory nope does not exist \(/);
  });

  it('names each kind of difference in the message and each migration in the details', async () => {
    const db = fakeDb([
      tableExists(true),
      [
        /flyway_schema_history/,
        [
          flywayRow(1, '1', 'Create customers', 'V1__Create_customers.sql', 'edited'),
          flywayRow(2, '1.5', 'Gone', 'V1_5__Gone.sql', ''),
          flywayRow(3, '7', 'Future', 'V7__Future.sql', ''),
        ],
      ],
    ]);
    const result = await run(db, {});
    expect(result.status).toBe('failed');
    expect(result.message).toBe(
      'flyway history differs from flyway: modified: V1__Create_customers.sql; missing file: V1_5__Gone.sql; extra applied: V7__Future.sql; ' +
        'out of order: V1_1__Add_email.sql, sub/V2__Create_orders.sql',
    );
    expect(result.actual).toBe('1 modified, 1 missing file, 1 extra applied, 2 out of order');
    expect(result.details).toContain(
      'out of order: V1_1__Add_email.sql (not applied, but the newer V7__Future.sql is)',
    );
  });
});
