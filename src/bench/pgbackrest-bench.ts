import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError } from '../errors.js';
import { runAs } from '../engines/local/os-user.js';
import { runCommand } from '../process/run-command.js';
import type { BenchWorkspace } from './bench-workspace.js';
import type { PgbackrestBenchFixture } from './pgbackrest-fixture.js';
import { rawRestoreArgs, renderPgbackrestSuite } from './pgbackrest-plan.js';
import { rawRecovery } from './raw-replay.js';
import { WAL_DATABASE } from './wal-fixture.js';

/**
 * Raw: what pgBackRest's user guide does, by hand: `pgbackrest restore --type=name --target=…
 * --target-action=promote` into an empty data directory (pgBackRest writes recovery.signal and its own
 * restore_command, a plain synchronous `archive-get`), start the server, wait until it has promoted, one
 * `count(*)` (counted, as pgdrill's rows check is), stop it and remove it.
 */
export async function rawPgbackrest(ws: BenchWorkspace, fixture: PgbackrestBenchFixture): Promise<number> {
  return rawRecovery({
    workDir: ws.dir,
    verify: { database: WAL_DATABASE, table: 'public.wal_events', rows: fixture.rows },
    countVerify: true,
    async fill(dataDir, user) {
      const args = rawRestoreArgs({
        conf: fixture.conf,
        stanza: fixture.stanza,
        dataDir,
        restorePoint: fixture.restorePoint,
      });
      await runCommand('pgbackrest', args, {
        ...runAs(user),
        cwd: '/',
        timeoutMs: 3_600_000,
        errorCode: 'BENCH_PGBACKREST_RESTORE_FAILED',
      }).catch((error: unknown) => {
        throw error instanceof CommandError
          ? new Error(`${error.message}: ${error.stderrTail.join(' | ')}`, { cause: error })
          : error;
      });
    },
  });
}

/** The pgdrill side's suite file. */
export async function writePgbackrestSuite(dir: string, fixture: PgbackrestBenchFixture): Promise<string> {
  const file = join(dir, 'pgbackrest.yaml');
  await writeFile(
    file,
    renderPgbackrestSuite({
      root: fixture.root,
      repoPath: fixture.repoPath,
      stanza: fixture.stanza,
      restorePoint: fixture.restorePoint,
      database: WAL_DATABASE,
      rows: fixture.rows,
    }),
  );
  return file;
}

/** `pgBackRest 2.45`, or why the comparison is skipped. */
export async function pgbackrestVersion(): Promise<{ ok: true; version: string } | { ok: false; reason: string }> {
  try {
    return { ok: true, version: (await runCommand('pgbackrest', ['version'], { timeoutMs: 30_000 })).stdout.trim() };
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      reason: /ENOENT|not found/i.test(text) ? 'pgbackrest is not on PATH' : `pgbackrest version failed: ${text}`,
    };
  }
}
