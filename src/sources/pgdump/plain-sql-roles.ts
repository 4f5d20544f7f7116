import { Transform, type TransformCallback } from 'node:stream';

const OWNER = /OWNER TO ("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*);$/;
const GRANT = /^(?:GRANT|REVOKE) .*? (?:TO|FROM) (.+?)(?: WITH GRANT OPTION| GRANTED BY .*)?;$/;
const PRIVILEGE_LINE = /^(?:GRANT |REVOKE |ALTER DEFAULT PRIVILEGES )/;

/**
 * Plain SQL has no table of contents to read roles from up front, so roles are handled in the stream:
 * `create` inserts an idempotent CREATE ROLE before the first statement naming a role; `skip` drops
 * ownership and privilege statements (what `--no-owner --no-privileges` does for archives).
 * COPY data blocks pass through untouched.
 */
export function createPlainRolesTransform(mode: 'create' | 'skip'): Transform {
  let partial = '';
  let inCopy = false;
  const created = new Set<string>(['public']);
  const handle = (line: string): string => {
    if (inCopy) {
      if (line === '\\.') inCopy = false;
      return line;
    }
    if (/^COPY .* FROM stdin;$/.test(line)) {
      inCopy = true;
      return line;
    }
    if (mode === 'skip')
      return OWNER.test(line) || PRIVILEGE_LINE.test(line) ? `-- pgdrill (roles: skip): ${line.slice(0, 60)}` : line;
    const names = [OWNER.exec(line)?.[1], ...(GRANT.exec(line)?.[1]?.split(/,\s*/) ?? [])].filter(
      (n): n is string => !!n,
    );
    const fresh = names.map((n) => n.trim()).filter((n) => !created.has(n.toLowerCase()));
    for (const n of fresh) created.add(n.toLowerCase());
    return [...fresh.map(createRoleStatement), line].join('\n');
  };
  return new Transform({
    transform(chunk: Buffer, _e, done: TransformCallback) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      done(null, lines.length ? `${lines.map(handle).join('\n')}\n` : '');
    },
    flush(done: TransformCallback) {
      done(null, partial ? handle(partial) : '');
    },
  });
}

/** An idempotent CREATE ROLE for a (possibly quoted) identifier. */
export function createRoleStatement(identifier: string): string {
  const name = identifier.startsWith('"') ? identifier.slice(1, -1).replace(/""/g, '"') : identifier.toLowerCase();
  const literal = `'${name.replace(/'/g, "''")}'`;
  const quoted = `"${name.replace(/"/g, '""')}"`;
  return `DO $pgdrill$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = ${literal}) THEN CREATE ROLE ${quoted} NOLOGIN; END IF; END $pgdrill$;`;
}
