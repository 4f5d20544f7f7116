import { z } from 'zod';
import { describeBounds, formatBounds, hasBounds, isWithinBounds } from './bounds.js';
import { defineCheck, type Queryable } from './check.js';
import {
  formatQualifiedName,
  isQualifiedName,
  lookupTable,
  parseQualifiedName,
  quoteQualifiedName,
} from './relation-names.js';

const count = () => z.number().int().nonnegative();

const rowsOptions = z
  .strictObject({
    table: z
      .string()
      .refine(isQualifiedName, 'expected schema.table or table (schema public)')
      .describe('Table to count: `schema.table`, or `table` in schema public.'),
    min: count().optional().describe('Fewest rows accepted.'),
    max: count().optional().describe('Most rows accepted.'),
    exact: count().optional().describe('The exact number of rows expected (not combined with min or max).'),
    estimate: z
      .boolean()
      .default(false)
      .describe(
        'Use the planner estimate (pg_class.reltuples) instead of an exact count(*); a table never analysed is counted exactly.',
      ),
  })
  .superRefine((options, ctx) => {
    if (!hasBounds(options)) ctx.addIssue({ code: 'custom', message: 'set at least one of min, max, exact' });
    if (options.exact !== undefined && (options.min !== undefined || options.max !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['exact'], message: 'exact cannot be combined with min or max' });
    }
    if (options.min !== undefined && options.max !== undefined && options.min > options.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['min'],
        message: `min (${options.min}) is greater than max (${options.max})`,
      });
    }
  });

export type RowsOptions = z.output<typeof rowsOptions>;

export const rowsCheck = defineCheck({
  type: 'rows',
  description: 'Counts the rows of a table and compares the count with min, max or exact.',
  options: rowsOptions,
  label: (options) => `rows ${formatQualifiedName(parseQualifiedName(options.table))} ${formatBounds(options)}`,
  async run({ db }, options) {
    const name = parseQualifiedName(options.table);
    const table = formatQualifiedName(name);
    const expected = formatBounds(options);
    const found = await lookupTable(db, name);
    if (!found) {
      return { status: 'failed', message: `table ${table} does not exist`, expected, actual: 'no such table' };
    }
    const estimated = options.estimate ? await estimateRows(db, found.oid) : undefined;
    const rows = estimated ?? (await countRows(db, quoteQualifiedName(name)));
    const measured = estimated === undefined ? `${rows} rows` : `about ${rows} rows (planner estimate)`;
    const holds = isWithinBounds(rows, options);
    return {
      status: holds ? 'passed' : 'failed',
      message: `${table} has ${measured}, expected ${describeBounds(options)}`,
      expected,
      actual: String(rows),
    };
  },
});

async function countRows(db: Queryable, quotedTable: string): Promise<number> {
  const rows = await db.query<{ count: string }>(`select count(*)::text as count from ${quotedTable}`);
  return Number(rows[0]?.count ?? 0);
}

// reltuples is -1 until the table is analysed (a fresh pg_restore never is): undefined means "count instead".
async function estimateRows(db: Queryable, oid: number): Promise<number | undefined> {
  const rows = await db.query<{ reltuples: number }>(
    'select reltuples::float8 as reltuples from pg_class where oid = $1::oid',
    [oid],
  );
  const reltuples = rows[0]?.reltuples;
  return reltuples === undefined || reltuples < 0 ? undefined : Math.round(reltuples);
}
