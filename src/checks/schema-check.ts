import { z } from 'zod';
import { defineCheck, type Queryable } from './check.js';
import { countOrphans, describeOrphans, listForeignKeys } from './foreign-keys.js';
import {
  displayIdent,
  formatQualifiedName,
  isQualifiedName,
  lookupTable,
  parseQualifiedName,
  userSchemaCondition,
} from './relation-names.js';

const tableName = z.string().refine(isQualifiedName, 'expected schema.table or table (schema public)');
const tolerated = () => z.number().int().nonnegative().default(0);

const schemaOptions = z.strictObject({
  tables: z
    .array(tableName)
    .default([])
    .describe('Tables that must exist: `schema.table`, or `table` in schema public.'),
  absent: z
    .array(tableName)
    .default([])
    .describe('Tables that must not exist, e.g. the tables a table-level restore leaves out.'),
  invalidIndexes: tolerated().describe(
    'How many indexes may be invalid or not ready (indisvalid or indisready false).',
  ),
  notValidConstraints: tolerated().describe('How many constraints may be NOT VALID (convalidated false).'),
  foreignKeys: z
    .boolean()
    .default(true)
    .describe(
      'Prove every validated foreign key holds: one anti-join query per key, counting orphan rows (scans each referencing table).',
    ),
});

export type SchemaOptions = z.output<typeof schemaOptions>;

/** One kind of problem: what went wrong, who, and one line per offender for the details. */
interface Finding {
  what: string;
  names: string[];
  lines: string[];
}

export const schemaCheck = defineCheck({
  type: 'schema',
  description:
    'Checks the restored schema: required and absent tables, invalid indexes, NOT VALID constraints, and that every foreign key holds.',
  options: schemaOptions,
  label(options) {
    const names = (list: string[]) => list.map((t) => formatQualifiedName(parseQualifiedName(t))).join(', ');
    const parts = ['schema'];
    if (options.tables.length > 0) parts.push(names(options.tables));
    if (options.absent.length > 0) parts.push(`without ${names(options.absent)}`);
    return parts.join(' ');
  },
  async run({ db }, options) {
    const missing = await findTables(db, options.tables, false);
    const present = await findTables(db, options.absent, true);
    const indexes = await listInvalidIndexes(db);
    const constraints = await listNotValidConstraints(db);
    const fks = options.foreignKeys ? await listForeignKeys(db) : [];
    const orphaned: CatalogItem[] = [];
    for (const fk of fks) {
      const orphans = await countOrphans(db, fk);
      if (orphans > 0) orphaned.push({ name: displayIdent(fk.name), line: describeOrphans(fk, orphans) });
    }
    const findings: Finding[] = [];
    if (missing.length > 0) {
      findings.push({
        what: plural(missing.length, 'missing table'),
        names: missing,
        lines: missing.map((t) => `table ${t} does not exist`),
      });
    }
    if (present.length > 0) {
      const lines = present.map((t) => `table ${t} exists but must be absent`);
      findings.push({
        what: plural(present.length, 'table that must be absent exists', 'tables that must be absent exist'),
        names: present,
        lines,
      });
    }
    if (indexes.length > options.invalidIndexes) {
      findings.push(
        tooMany(indexes, plural(indexes.length, 'invalid index', 'invalid indexes'), options.invalidIndexes),
      );
    }
    if (constraints.length > options.notValidConstraints) {
      findings.push(
        tooMany(constraints, plural(constraints.length, 'NOT VALID constraint'), options.notValidConstraints),
      );
    }
    if (orphaned.length > 0)
      findings.push(tooMany(orphaned, `${plural(orphaned.length, 'foreign key')} with orphan rows`));
    const expected = describeExpected(options);
    if (findings.length === 0) {
      return {
        status: 'passed',
        message: `schema holds: ${describeHeld(options, indexes.length, constraints.length, fks.length)}`,
        expected,
        actual: 'no problems',
        details: [...indexes, ...constraints].map((item) => `tolerated: ${item.line}`),
      };
    }
    const count = findings.reduce((sum, f) => sum + f.lines.length, 0);
    return {
      status: 'failed',
      message: `schema has ${plural(count, 'problem')}: ${findings.map((f) => `${f.what} (${listSome(f.names)})`).join('; ')}`,
      expected,
      actual: findings.map((f) => f.what).join(', '),
      details: findings.flatMap((f) => f.lines),
    };
  },
});

/** The named tables that are missing (wantPresent false) or present (wantPresent true), formatted. */
async function findTables(db: Queryable, tables: string[], wantPresent: boolean): Promise<string[]> {
  const hits: string[] = [];
  for (const text of tables) {
    const name = parseQualifiedName(text);
    const exists = (await lookupTable(db, name)) !== undefined;
    if (exists === wantPresent) hits.push(formatQualifiedName(name));
  }
  return hits;
}

interface CatalogItem {
  name: string;
  line: string;
}

async function listInvalidIndexes(db: Queryable): Promise<CatalogItem[]> {
  const rows = await db.query<{ schema: string; index: string; table: string; valid: boolean; ready: boolean }>(
    `select n.nspname as schema, c.relname as index, t.relname as table, i.indisvalid as valid, i.indisready as ready
     from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
     join pg_class t on t.oid = i.indrelid
     where (not i.indisvalid or not i.indisready) and ${userSchemaCondition('n.nspname')} order by 1, 2`,
  );
  return rows.map((r) => {
    const name = formatQualifiedName({ schema: r.schema, name: r.index });
    const table = formatQualifiedName({ schema: r.schema, name: r.table });
    return { name, line: `invalid index ${name} on ${table} (indisvalid=${r.valid}, indisready=${r.ready})` };
  });
}

async function listNotValidConstraints(db: Queryable): Promise<CatalogItem[]> {
  const rows = await db.query<{ schema: string; name: string; owner: string; definition: string }>(
    `select n.nspname as schema, con.conname as name, coalesce(t.relname, ty.typname)::text as owner,
            pg_get_constraintdef(con.oid) as definition
     from pg_constraint con join pg_namespace n on n.oid = con.connamespace
     left join pg_class t on t.oid = con.conrelid left join pg_type ty on ty.oid = con.contypid
     where not con.convalidated and ${userSchemaCondition('n.nspname')} order by 1, 3, 2`,
  );
  return rows.map((r) => ({
    name: displayIdent(r.name),
    line: `NOT VALID constraint ${displayIdent(r.name)} on ${formatQualifiedName({ schema: r.schema, name: r.owner })}: ${r.definition}`,
  }));
}

function tooMany(items: CatalogItem[], what: string, allowed?: number): Finding {
  const limit = allowed === undefined ? '' : `, at most ${allowed} allowed`;
  return { what: `${what}${limit}`, names: items.map((i) => i.name), lines: items.map((i) => i.line) };
}

function describeHeld(options: SchemaOptions, invalidIndexes: number, notValid: number, foreignKeys: number): string {
  const parts: string[] = [];
  if (options.tables.length > 0) parts.push(`${plural(options.tables.length, 'required table')} present`);
  if (options.absent.length > 0) parts.push(`${plural(options.absent.length, 'forbidden table')} absent`);
  parts.push(plural(invalidIndexes, 'invalid index', 'invalid indexes'), plural(notValid, 'NOT VALID constraint'));
  if (options.foreignKeys) parts.push(`${plural(foreignKeys, 'foreign key')} verified`);
  return parts.join(', ');
}

function describeExpected(options: SchemaOptions): string {
  const parts: string[] = [];
  if (options.tables.length > 0) parts.push(`${plural(options.tables.length, 'table')} present`);
  if (options.absent.length > 0) parts.push(`${plural(options.absent.length, 'table')} absent`);
  parts.push(`<= ${options.invalidIndexes} invalid indexes`, `<= ${options.notValidConstraints} NOT VALID constraints`);
  if (options.foreignKeys) parts.push('no orphan rows');
  return parts.join(', ');
}

function listSome(names: string[], shown = 3): string {
  return names.length <= shown
    ? names.join(', ')
    : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}
