import { z } from 'zod';

export const recoveryTargetSchema = z
  .strictObject({
    latest: z.literal(true).optional().describe('Replay every archived WAL segment (the default).'),
    immediate: z
      .literal(true)
      .optional()
      .describe('Stop at the first consistent point after the backup (recovery_target=immediate).'),
    time: z
      .string()
      .optional()
      .describe('Absolute time with zone, e.g. "2026-11-20 14:30:00+00" (recovery_target_time).'),
    beforeArchiveEnd: z
      .string()
      .optional()
      .describe('A time relative to the newest archived WAL segment, e.g. "15m": that long before it was archived.'),
    xid: z.union([z.string(), z.number()]).optional().describe('A transaction id (recovery_target_xid).'),
    lsn: z
      .string()
      .regex(/^[0-9A-Fa-f]+\/[0-9A-Fa-f]+$/, 'expected an LSN such as 0/3000060')
      .optional()
      .describe('A WAL location (recovery_target_lsn).'),
    name: z.string().optional().describe('A restore point made with pg_create_restore_point() (recovery_target_name).'),
    inclusive: z
      .boolean()
      .default(true)
      .describe('Stop just after (true) or just before (false) the target (recovery_target_inclusive).'),
    timeline: z
      .union([z.enum(['latest', 'current']), z.number().int().positive()])
      .default('latest')
      .describe('recovery_target_timeline.'),
    tolerance: z
      .string()
      .optional()
      .describe('Fail when the last replayed commit is further than this from a time target, e.g. "5m".'),
  })
  .superRefine((t, ctx) => {
    const kinds = (['latest', 'immediate', 'time', 'beforeArchiveEnd', 'xid', 'lsn', 'name'] as const).filter(
      (k) => t[k] !== undefined,
    );
    if (kinds.length > 1)
      ctx.addIssue({ code: 'custom', message: `give one recovery target, found ${kinds.join(', ')}` });
    if (t.time !== undefined && Number.isNaN(Date.parse(t.time.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'))))
      ctx.addIssue({
        code: 'custom',
        path: ['time'],
        message: `"${t.time}" is not a time with a zone, e.g. 2026-11-20 14:30:00+00`,
      });
  })
  .describe('Where point-in-time recovery stops. Omitted: the end of the archive.');

export type RecoveryTarget = z.output<typeof recoveryTargetSchema>;

/** `latest`, `time 2026-11-20 14:30:00+00`, `xid 745`, … for messages and reports. */
export function describeTarget(target: RecoveryTarget | undefined): string {
  if (!target || target.latest) return 'latest (end of the archive)';
  if (target.immediate) return 'immediate (first consistent point)';
  if (target.time !== undefined) return `time ${target.time}`;
  if (target.beforeArchiveEnd !== undefined) return `${target.beforeArchiveEnd} before the end of the archive`;
  if (target.xid !== undefined) return `xid ${target.xid}`;
  if (target.lsn !== undefined) return `lsn ${target.lsn}`;
  return `restore point "${target.name}"`;
}

/** PostgreSQL 12+ recovery settings for a target; `archiveEnd` resolves a relative time. */
export function recoverySettings(target: RecoveryTarget | undefined, resolvedTime?: Date): Record<string, string> {
  const settings: Record<string, string> = {};
  if (target) settings.recovery_target_timeline = String(target.timeline);
  if (!target || target.latest) return settings;
  if (target.immediate) settings.recovery_target = 'immediate';
  else if (target.time !== undefined) settings.recovery_target_time = target.time;
  // PostgreSQL 15 refuses a trailing `Z`; `+00` says the same.
  else if (target.beforeArchiveEnd !== undefined)
    settings.recovery_target_time = resolvedTime!.toISOString().replace(/Z$/, '+00');
  else if (target.xid !== undefined) settings.recovery_target_xid = String(target.xid);
  else if (target.lsn !== undefined) settings.recovery_target_lsn = target.lsn;
  else if (target.name !== undefined) settings.recovery_target_name = target.name;
  if (!target.immediate) settings.recovery_target_inclusive = target.inclusive ? 'on' : 'off';
  return settings;
}

/** PostgreSQL log times (`2026-11-21 10:00:01.123456+00`) and suite times → Date. */
export function parsePgTime(text: string): Date {
  const iso = text
    .trim()
    .replace(' ', 'T')
    .replace(/([+-]\d\d)$/, '$1:00')
    .replace(/ UTC$/, 'Z');
  return new Date(iso);
}
