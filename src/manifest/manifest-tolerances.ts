import { formatQualifiedName, parseQualifiedName } from '../checks/relation-names.js';

/**
 * When the manifest was captured relative to the backup, which decides the direction data may move:
 * `before-backup`: the backup holds everything the manifest saw, plus what was written in between;
 * `after-backup`: the manifest saw everything the backup holds, plus what was written in between.
 */
export type CaptureOrder = 'before-backup' | 'after-backup';

export interface ManifestTolerances {
  /** @default 'before-backup' */
  captured?: CaptureOrder;
  /**
   * Rows a table may gain (`before-backup`) or lack (`after-backup`) against the manifest: the rows written
   * between the capture and the backup. A count within either limit passes; a move the other way never does.
   * @default { percent: 5 }
   */
  rowsWrittenBetween?: { rows?: number; percent?: number };
  /** Seconds the newest value of a timestamp column may be older than in the manifest. @default 0 */
  timeSeconds?: number;
  /** Tables left out (`schema.table`), with their timestamp columns and the sequences they own. @default [] */
  ignoreTables?: string[];
}

export interface ResolvedTolerances {
  captured: CaptureOrder;
  rows: number | undefined;
  percent: number | undefined;
  timeSeconds: number;
  /** Formatted names (`shop.orders`), as relation keys are. */
  ignored: Set<string>;
}

export const DEFAULT_ROWS_PERCENT = 5;

export function resolveTolerances(tolerances: ManifestTolerances = {}): ResolvedTolerances {
  const { rows, percent } = tolerances.rowsWrittenBetween ?? {};
  const neither = rows === undefined && percent === undefined;
  return {
    captured: tolerances.captured ?? 'before-backup',
    rows,
    percent: neither ? DEFAULT_ROWS_PERCENT : percent,
    timeSeconds: tolerances.timeSeconds ?? 0,
    ignored: new Set((tolerances.ignoreTables ?? []).map((t) => formatQualifiedName(parseQualifiedName(t)))),
  };
}

/** The most rows a table of `captured` rows may move by: the larger of the two limits set. */
export function allowedRowDrift(captured: number, tolerances: ResolvedTolerances): number {
  const byPercent = tolerances.percent === undefined ? 0 : Math.floor((captured * tolerances.percent) / 100);
  return Math.max(tolerances.rows ?? 0, byPercent);
}

/** `5%`, `100 rows`, `100 rows or 5%`: the limits as the user set them. */
export function describeRowLimit(tolerances: ResolvedTolerances): string {
  const parts: string[] = [];
  if (tolerances.rows !== undefined) parts.push(`${tolerances.rows} rows`);
  if (tolerances.percent !== undefined) parts.push(`${tolerances.percent}%`);
  return parts.join(' or ');
}

/** +1 when the restore may hold more than the manifest (captured before the backup), -1 when less. */
export function toleratedSign(tolerances: ResolvedTolerances): 1 | -1 {
  return tolerances.captured === 'before-backup' ? 1 : -1;
}
