import type { Queryable } from '../checks/check.js';

/**
 * The extensions of the restored database, for the evidence of what the server ran. Best effort: a
 * database that cannot answer shows up in the checks that follow, not here.
 */
export async function captureExtensions(db: Queryable): Promise<{ name: string; version: string }[] | undefined> {
  try {
    return await db.query<{ name: string; version: string }>(
      'SELECT extname AS name, extversion AS version FROM pg_extension ORDER BY extname',
    );
  } catch {
    return undefined;
  }
}
