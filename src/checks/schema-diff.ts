import { displayIdent } from './relation-names.js';
import type { SchemaSnapshot, TableSnapshot } from './schema-snapshot.js';

type Column = TableSnapshot['columns'][number];

/** How to describe the items of one kind that are only expected, only actual, or in both but different. */
interface Comparison<T> {
  key(item: T): string;
  missing(item: T): string;
  extra(item: T): string;
  changed(expected: T, actual: T): string[];
}

/**
 * Every way the actual schema differs from the expected one, one human line each, in name order:
 * `missing table shop.orders`, `column shop.orders.amount type numeric(12,2) → numeric`, …
 */
export function diffSchemaSnapshots(expected: SchemaSnapshot, actual: SchemaSnapshot): string[] {
  const tables = compare(Object.entries(expected.tables), Object.entries(actual.tables), {
    key: ([name]) => name,
    missing: ([name]) => `missing table ${name}`,
    extra: ([name]) => `extra table ${name}`,
    changed: ([name, want], [, have]) => diffTable(name, want, have),
  });
  const extensions = compare(expected.extensions, actual.extensions, {
    key: (e) => e.name,
    missing: (e) => `missing extension ${e.name} (${e.version})`,
    extra: (e) => `extra extension ${e.name} (${e.version})`,
    changed: (want, have) =>
      want.version === have.version ? [] : [`extension ${want.name} version ${want.version} → ${have.version}`],
  });
  const functions = compare(expected.functions, actual.functions, {
    key: (f) => f.signature,
    missing: (f) => `missing function ${f.signature}`,
    extra: (f) => `extra function ${f.signature}`,
    changed: (want, have) => [
      ...changedField(`function ${want.signature} result`, want.resultType, have.resultType),
      ...changedField(`function ${want.signature} language`, want.language, have.language),
    ],
  });
  return [...tables, ...extensions, ...functions];
}

function diffTable(table: string, expected: TableSnapshot, actual: TableSnapshot): string[] {
  const columns = compare(expected.columns, actual.columns, {
    key: (c) => c.name,
    missing: (c) => `missing column ${table}.${displayIdent(c.name)} (${c.type})`,
    extra: (c) => `extra column ${table}.${displayIdent(c.name)} (${c.type})`,
    changed: (want, have) => diffColumn(`column ${table}.${displayIdent(want.name)}`, want, have),
  });
  const indexes = compare(expected.indexes, actual.indexes, {
    key: (i) => i.name,
    missing: (i) => `missing index ${displayIdent(i.name)} on ${table}`,
    extra: (i) => `extra index ${displayIdent(i.name)} on ${table}`,
    changed: (want, have) =>
      changedField(
        `index ${displayIdent(want.name)} on ${table} definition changed:`,
        want.definition,
        have.definition,
      ),
  });
  const constraints = compare(expected.constraints, actual.constraints, {
    key: (c) => c.name,
    missing: (c) => `missing constraint ${displayIdent(c.name)} on ${table} (${c.type})`,
    extra: (c) => `extra constraint ${displayIdent(c.name)} on ${table} (${c.type})`,
    changed: (want, have) =>
      changedField(
        `constraint ${displayIdent(want.name)} on ${table} definition changed:`,
        want.definition,
        have.definition,
      ),
  });
  return [...columns, ...indexes, ...constraints];
}

function diffColumn(subject: string, expected: Column, actual: Column): string[] {
  const nullability = (c: Column) => (c.nullable ? 'nullable' : 'not null');
  return [
    ...changedField(`${subject} type`, expected.type, actual.type),
    ...changedField(subject, nullability(expected), nullability(actual)),
    ...changedField(`${subject} default`, expected.default ?? 'none', actual.default ?? 'none'),
  ];
}

function changedField(subject: string, expected: string, actual: string): string[] {
  return expected === actual ? [] : [`${subject} ${expected} → ${actual}`];
}

// Keys in code-point order (not localeCompare: the same order everywhere); a key repeated in one list is
// compared once, with its first occurrence.
function compare<T>(expected: T[], actual: T[], how: Comparison<T>): string[] {
  const want = new Map<string, T>();
  const have = new Map<string, T>();
  for (const item of expected) if (!want.has(how.key(item))) want.set(how.key(item), item);
  for (const item of actual) if (!have.has(how.key(item))) have.set(how.key(item), item);
  const keys = [...new Set([...want.keys(), ...have.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return keys.flatMap((key) => {
    const e = want.get(key);
    const a = have.get(key);
    if (e === undefined) return [how.extra(a!)];
    if (a === undefined) return [how.missing(e)];
    return how.changed(e, a);
  });
}
