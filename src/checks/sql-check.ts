import { z } from 'zod';
import { describeBounds, formatBounds, isWithinBounds } from './bounds.js';
import { defineCheck, type CheckOutcome } from './check.js';

type Scalar = string | number | boolean | null;

const sqlOptions = z
  .strictObject({
    query: z
      .string()
      .trim()
      .min(1)
      .describe(
        'One SQL statement, run against the restored database as the read-only role pgdrill_check in a READ ONLY transaction; the first column of the first row is compared.',
      ),
    equals: z
      .union([z.string(), z.number(), z.boolean(), z.null()])
      .optional()
      .describe('The value expected: numbers compare numerically, strings as text, null matches SQL NULL.'),
    min: z.number().optional().describe('Smallest value accepted (the value must be numeric).'),
    max: z.number().optional().describe('Largest value accepted (the value must be numeric).'),
    empty: z.boolean().optional().describe('true: the query must return no rows; false: at least one row.'),
    name: z.string().min(1).optional().describe('Name shown in reports instead of the query text.'),
  })
  .superRefine((options, ctx) => {
    const kinds = [
      options.equals !== undefined,
      options.min !== undefined || options.max !== undefined,
      options.empty !== undefined,
    ];
    const count = kinds.filter(Boolean).length;
    if (count !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `set exactly one expectation: equals, min/max or empty (found ${count})`,
      });
    }
    if (options.min !== undefined && options.max !== undefined && options.min > options.max) {
      ctx.addIssue({
        code: 'custom',
        path: ['min'],
        message: `min (${options.min}) is greater than max (${options.max})`,
      });
    }
  });

export type SqlOptions = z.output<typeof sqlOptions>;

export const sqlCheck = defineCheck({
  type: 'sql',
  description: 'Runs a query and compares its first value (or whether it returned rows) with an expectation.',
  options: sqlOptions,
  label: (options) => `sql ${options.name ?? shorten(options.query)} ${formatExpectation(options)}`,
  async run({ db }, options) {
    const rows = await db.query(options.query);
    const subject = options.name ? `${options.name}: query` : 'query';
    const expected = formatExpectation(options);
    if (options.empty !== undefined) {
      const holds = options.empty === (rows.length === 0);
      return {
        status: holds ? 'passed' : 'failed',
        message: `${subject} returned ${rows.length} rows, expected ${options.empty ? 'none' : 'at least one'}`,
        expected,
        actual: `${rows.length} rows`,
        details: holds ? [] : rows.slice(0, 5).map((row) => JSON.stringify(row)),
      };
    }
    const first = rows[0];
    if (!first)
      return {
        status: 'failed',
        message: `${subject} returned no rows, expected a value ${expected}`,
        expected,
        actual: 'no rows',
      };
    const value: unknown = Object.values(first)[0];
    const actual = formatValue(value);
    if (options.equals !== undefined) return compareEquals(subject, value, options.equals, expected);
    const number = toNumber(value);
    if (number === undefined) {
      return {
        status: 'failed',
        message: `${subject} returned ${actual}, which is not a number, expected ${describeBounds(options)}`,
        expected,
        actual,
      };
    }
    return {
      status: isWithinBounds(number, options) ? 'passed' : 'failed',
      message: `${subject} returned ${actual}, expected ${describeBounds(options)}`,
      expected,
      actual,
    };
  },
});

function compareEquals(subject: string, value: unknown, wanted: Scalar, expected: string): CheckOutcome {
  const actual = formatValue(value);
  const holds = isEqual(value, wanted);
  return {
    status: holds ? 'passed' : 'failed',
    message: `${subject} returned ${actual}, expected ${formatValue(wanted)}`,
    expected,
    actual,
  };
}

/** Compares a value as node-postgres returns it (bigint and numeric arrive as strings) with a suite scalar. */
export function isEqual(value: unknown, wanted: Scalar): boolean {
  if (wanted === null) return value === null;
  if (typeof wanted === 'number') return toNumber(value) === wanted;
  if (typeof wanted === 'boolean') return toBoolean(value) === wanted;
  return value !== null && value !== undefined && formatValue(value) === wanted;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

function toBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 't' || value === 'true') return true;
  if (value === 'f' || value === 'false') return false;
  return undefined;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function formatExpectation(options: SqlOptions): string {
  if (options.empty !== undefined) return options.empty ? 'is empty' : 'is not empty';
  if (options.equals !== undefined) return `= ${formatValue(options.equals)}`;
  return formatBounds(options);
}

function shorten(query: string, length = 60): string {
  const oneLine = query.replace(/\s+/g, ' ').trim();
  return oneLine.length <= length ? oneLine : `${oneLine.slice(0, length - 1)}…`;
}
