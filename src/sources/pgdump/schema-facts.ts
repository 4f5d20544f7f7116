/** What the schema part of a dump says about itself and what it needs from the target server. */
export interface SchemaFacts {
  /** `15.18 (Debian 15.18-0+deb12u1)` from "Dumped from database version". */
  sourceVersion?: string;
  /** From "Dumped by pg_dump version". */
  pgDumpVersion?: string;
  sourceMajor?: number;
  extensions: string[];
  /** Roles named as owners or grantees (never PUBLIC). */
  roles: string[];
  /** Tables the dump defines, as `schema.table`. */
  tables: string[];
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const unquote = (name: string) => (name.startsWith('"') ? name.slice(1, -1).replace(/""/g, '"') : name.toLowerCase());

/** Read the facts from SQL text (pg_restore --schema-only output, or the head of a plain dump). */
export function readSchemaFacts(sql: string): SchemaFacts {
  const major = (v?: string) => (v ? Number(v.split('.')[0]) : undefined);
  const sourceVersion = /^-- Dumped from database version (.+)$/m.exec(sql)?.[1]?.trim();
  const pgDumpVersion = /^-- Dumped by pg_dump version (.+)$/m.exec(sql)?.[1]?.trim();
  const extensions = new Set<string>();
  for (const m of sql.matchAll(new RegExp(String.raw`^CREATE EXTENSION (?:IF NOT EXISTS )?${IDENT}`, 'gm')))
    extensions.add(unquote(m[1]!));
  const roles = new Set<string>();
  for (const m of sql.matchAll(new RegExp(String.raw`OWNER TO ${IDENT};`, 'g'))) roles.add(unquote(m[1]!));
  for (const m of sql.matchAll(/^(?:GRANT|REVOKE) .*? (?:TO|FROM) (.+?)(?: WITH GRANT OPTION| GRANTED BY .*)?;$/gm))
    for (const name of m[1]!.split(/,\s*/)) roles.add(unquote(name.trim()));
  for (const m of sql.matchAll(new RegExp(String.raw`FOR ROLE ${IDENT}`, 'g'))) roles.add(unquote(m[1]!));
  roles.delete('public');
  roles.delete('PUBLIC');
  const tables = new Set<string>();
  for (const m of sql.matchAll(new RegExp(String.raw`^CREATE (?:UNLOGGED )?TABLE ${IDENT}\.${IDENT} \(`, 'gm')))
    tables.add(`${unquote(m[1]!)}.${unquote(m[2]!)}`);
  return {
    sourceVersion,
    pgDumpVersion,
    sourceMajor: major(sourceVersion),
    extensions: [...extensions].sort(),
    roles: [...roles].sort(),
    tables: [...tables].sort(),
  };
}
