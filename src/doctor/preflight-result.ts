import { isDrillError } from '../errors.js';

/** What `pgdrill doctor <suite…>` found, per drill: every line a run would depend on, checked without restoring. */
export type FindingStatus = 'ok' | 'fail' | 'skip';

export interface PreflightFinding {
  status: FindingStatus;
  /** What was checked: `env BACKUP_BUCKET`, `store prod`, `backup`, `engine`, `tool pgbackrest`. */
  subject: string;
  /** What was found: the object picked, the binary and its version, or what went wrong. */
  message: string;
  /** The error's code when the check failed with a DrillError. */
  code?: string;
  /** What to do next. */
  hint?: string;
}

export interface PreflightGroup {
  /** The suite's name. */
  suite: string;
  /** The suite file (absolute). */
  file: string;
  /** The drill's name; undefined for what the whole suite needs (engine selection, history, notify). */
  drill?: string;
  findings: PreflightFinding[];
}

export interface PreflightResult {
  groups: PreflightGroup[];
  /** 0: everything a run needs is there · 3: something is missing or unreachable. */
  exitCode: 0 | 3;
}

export const ok = (subject: string, message: string): PreflightFinding => ({ status: 'ok', subject, message });
export const skip = (subject: string, message: string): PreflightFinding => ({ status: 'skip', subject, message });

/** A failed check, from a DrillError (its code, message and hint) or any other error. */
export function fail(subject: string, error: unknown): PreflightFinding {
  if (isDrillError(error))
    return { status: 'fail', subject, message: error.message, code: error.code, hint: error.hint };
  return { status: 'fail', subject, message: error instanceof Error ? error.message : String(error) };
}
