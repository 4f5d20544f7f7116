import { randomBytes } from 'node:crypto';
import type { Queryable } from '../checks/check.js';
import { quoteIdent } from '../checks/relation-names.js';
import { CHECK_ROLE } from '../engines/local/server-config.js';
import { scramVerifier } from '../engines/local/scram-verifier.js';
import { EngineError } from '../errors.js';

export { CHECK_ROLE };

/** Each statement of suite-written checks is cancelled after this long unless the drill says otherwise. */
export const DEFAULT_CHECK_STATEMENT_TIMEOUT_SECONDS = 300;

export interface CheckRoleInput {
  /** The restored database the checks read. */
  database: string;
  /** Set on the role as statement_timeout. */
  statementTimeoutSeconds: number;
}

export interface CheckRole {
  user: string;
  /** Random per drill; only its SCRAM verifier reaches the server. Never printed. */
  password: string;
  statementTimeoutSeconds: number;
}

/**
 * Through pgdrill's privileged connection: the role suite-written checks connect as. It can log in and read
 * every table (pg_read_all_data on 14+, grants on each schema before), bypasses row security so counts are
 * true, and nothing else: no superuser, no role memberships, no CREATE/TEMP on the database, read-only by
 * default, with a statement timeout. A role of that name restored from production is taken over the same way.
 */
export async function createCheckRole(admin: Queryable, input: CheckRoleInput): Promise<CheckRole> {
  const password = randomBytes(24).toString('base64url');
  const timeoutMs = Math.max(1, Math.round(input.statementTimeoutSeconds * 1000));
  try {
    // Restored role or database settings may log statements; nothing of this session should reach the log.
    await admin.query(`set log_statement = 'none'`);
    await admin.query(`set log_min_error_statement = 'panic'`);
    // A restored `alter database … set default_transaction_read_only = on` must not stop pgdrill's own work.
    await admin.query(`set default_transaction_read_only = off`);
    const [version] = await admin.query<{ num: string }>(`select current_setting('server_version_num') as num`);
    const existing = await admin.query<{ oid: number }>('select oid from pg_roles where rolname = $1', [CHECK_ROLE]);
    const attributes = `login nosuperuser nocreatedb nocreaterole noreplication bypassrls inherit connection limit -1 valid until 'infinity'`;
    await admin.query(
      `${existing.length > 0 ? 'alter' : 'create'} role ${CHECK_ROLE} with ${attributes} password '${scramVerifier(password)}'`,
    );
    await revokeMemberships(admin);
    // Settings a restored role of this name carried (globally or in this database) would override ours.
    await admin.query(`alter role ${CHECK_ROLE} reset all`);
    await admin.query(`alter role ${CHECK_ROLE} in database ${quoteIdent(input.database)} reset all`);
    await admin.query(`alter role ${CHECK_ROLE} set default_transaction_read_only = on`);
    await admin.query(`alter role ${CHECK_ROLE} set statement_timeout = ${timeoutMs}`);
    await admin.query(`revoke create, temporary on database ${quoteIdent(input.database)} from public`);
    await admin.query(`grant connect on database ${quoteIdent(input.database)} to ${CHECK_ROLE}`);
    if (Number(version?.num) >= 140000) await admin.query(`grant pg_read_all_data to ${CHECK_ROLE}`);
    else await grantReadOnEverySchema(admin);
    return { user: CHECK_ROLE, password, statementTimeoutSeconds: timeoutMs / 1000 };
  } catch (error) {
    throw new EngineError(
      'CHECK_ROLE_FAILED',
      `could not create the read-only role ${CHECK_ROLE} for the checks of database ${input.database}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
        hint: 'suite SQL never runs as a superuser; see the server log of the drill (--keep-on-failure keeps it)',
      },
    );
  }
}

/** A restored role of the same name may belong to privileged roles: it belongs to none afterwards. */
async function revokeMemberships(admin: Queryable): Promise<void> {
  const rows = await admin.query<{ name: string }>(
    'select r.rolname as name from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member where u.rolname = $1',
    [CHECK_ROLE],
  );
  for (const row of rows) await admin.query(`revoke ${quoteIdent(row.name)} from ${CHECK_ROLE}`);
}

/** Before PostgreSQL 14 there is no pg_read_all_data: usage and select, schema by schema. */
async function grantReadOnEverySchema(admin: Queryable): Promise<void> {
  const schemas = await admin.query<{ name: string }>(
    `select nspname as name from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema'`,
  );
  for (const { name } of schemas) {
    const schema = quoteIdent(name);
    await admin.query(`grant usage on schema ${schema} to ${CHECK_ROLE}`);
    await admin.query(`grant select on all tables in schema ${schema} to ${CHECK_ROLE}`);
    await admin.query(`grant select on all sequences in schema ${schema} to ${CHECK_ROLE}`);
  }
}
