import { assertNotOlderThanDump, assertPhysicalMajor } from '../drill/pick-major.js';
import type { ResolvedDrill } from '../suite/resolved-suite.js';
import type { BackupCheck } from './preflight-backup.js';
import { fail, ok, skip, type PreflightFinding } from './preflight-result.js';

/**
 * `postgres.major` against the backup's own major, with the run's own refusals: older than a dump's is
 * POSTGRES_MAJOR_OLDER_THAN_DUMP, another than a physical backup's is PHYSICAL_MAJOR_MISMATCH. Only when the
 * preflight could tell the backup's major without downloading it (see checkBackup); else it says why not.
 * Undefined when the drill names no major (the engine line says which one the backup needs).
 */
export function checkRequestedMajor(drill: ResolvedDrill, backup: BackupCheck): PreflightFinding | undefined {
  const requested = drill.postgres.major;
  if (requested === undefined) return undefined;
  const subject = 'postgres.major';
  if (backup.finding.status !== 'ok')
    return skip(subject, `${requested} not compared with the backup's major: the backup was not found above`);
  if (backup.major === undefined)
    return skip(
      subject,
      `${requested} not compared with the backup's major, known only once the run reads the backup` +
        (backup.majorUnknown ? ` (${backup.majorUnknown})` : ''),
    );
  try {
    if (drill.source.kind === 'pgdump') {
      assertNotOlderThanDump(requested, backup.major);
      return ok(
        subject,
        requested === backup.major
          ? `${requested}, the dump's own major`
          : `${requested}, newer than the dump's ${backup.major}: an upgrade rehearsal`,
      );
    }
    assertPhysicalMajor(requested, backup.major, drill.source.kind);
    return ok(subject, `${requested}, the backup's own major`);
  } catch (error) {
    return fail(subject, error);
  }
}
