import { ConfigError } from '../errors.js';
import type { Queryable } from './check.js';

/** A relation as users name it in a suite: `schema.table` or `table` (schema `public`). */
export interface QualifiedName {
  schema: string;
  name: string;
}

const SIMPLE_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;
/** relkinds a check treats as a table: ordinary, partitioned, view, materialized view, foreign. */
const TABLE_KINDS = ['r', 'p', 'v', 'm', 'f'];

/** Parses with SQL's rules: unquoted parts fold to lower case, `"Quoted"` parts keep case and dots. */
export function parseQualifiedName(text: string, defaultSchema = 'public'): QualifiedName {
  const parts = splitIdentifiers(text);
  if (parts?.length === 1) return { schema: defaultSchema, name: parts[0]! };
  if (parts?.length === 2) return { schema: parts[0]!, name: parts[1]! };
  throw new ConfigError('INVALID_RELATION_NAME', `"${text}" is not a table name`, {
    hint: 'write schema.table or table (schema public); quote mixed-case names: "Sales"."Orders"',
  });
}

export function isQualifiedName(text: string): boolean {
  const parts = splitIdentifiers(text);
  return parts !== undefined && (parts.length === 1 || parts.length === 2);
}

/** Always-quoted SQL identifier, safe for any name. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteQualifiedName({ schema, name }: QualifiedName): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** For messages: `public.orders`, quoting only the parts that need it (as quote_ident does). */
export function formatQualifiedName({ schema, name }: QualifiedName): string {
  return `${displayIdent(schema)}.${displayIdent(name)}`;
}

export function displayIdent(name: string): string {
  return SIMPLE_IDENTIFIER.test(name) ? name : quoteIdent(name);
}

/** SQL condition excluding the system schemas (catalog, information_schema, TOAST, temp). */
export function userSchemaCondition(column: string): string {
  return `(${column} not in ('pg_catalog', 'information_schema') and ${column} !~ '^pg_(toast|temp_)')`;
}

/** The table-like relation with this name, or undefined when there is none. */
export async function lookupTable(
  db: Queryable,
  name: QualifiedName,
): Promise<{ oid: number; relkind: string } | undefined> {
  const rows = await db.query<{ oid: string; relkind: string }>(
    `select c.oid::int8::text as oid, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname = $1 and c.relname = $2 and c.relkind = any($3::"char"[])`,
    [name.schema, name.name, TABLE_KINDS],
  );
  const row = rows[0];
  return row ? { oid: Number(row.oid), relkind: row.relkind } : undefined;
}

function splitIdentifiers(text: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  const input = text.trim();
  while (i <= input.length) {
    let part = '';
    if (input[i] === '"') {
      const end = findClosingQuote(input, i + 1);
      if (end < 0) return undefined;
      part = input.slice(i + 1, end).replaceAll('""', '"');
      i = end + 1;
    } else {
      const dot = input.indexOf('.', i);
      const end = dot < 0 ? input.length : dot;
      part = input.slice(i, end).trim().toLowerCase();
      if (part.includes('"') || /\s/.test(part)) return undefined;
      i = end;
    }
    if (part.length === 0) return undefined;
    parts.push(part);
    if (i >= input.length) return parts;
    if (input[i] !== '.') return undefined;
    i++;
  }
  return undefined;
}

function findClosingQuote(input: string, from: number): number {
  for (let i = from; i < input.length; i++) {
    if (input[i] !== '"') continue;
    if (input[i + 1] === '"') i++;
    else return i;
  }
  return -1;
}
