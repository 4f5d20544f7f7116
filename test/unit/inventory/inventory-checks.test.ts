import { describe, expect, test } from 'vitest';
import type { CheckContext } from '../../../src/checks/check.js';
import { freshnessCheck } from '../../../src/checks/freshness-check.js';
import { retentionCheck } from '../../../src/checks/retention-check.js';
import { runCheck } from '../../../src/checks/run-check.js';
import { medianOf, sizeCheck } from '../../../src/checks/size-check.js';
import type { BackupInventory, InventoryBackup } from '../../../src/inventory/inventory.js';

const now = new Date('2026-11-20T14:30:00Z');
const DAY = 86_400_000;

/** One backup a day at 02:00 for `days` days back from today, except the days listed. */
function daily(days: number, skip: string[] = [], size = 1_000_000): InventoryBackup[] {
  const out: InventoryBackup[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const time = new Date(Date.UTC(2026, 10, 20, 2) - i * DAY);
    const id = `daily/shop-${time.toISOString().slice(0, 10)}.dump`;
    if (!skip.some((s) => id.includes(s))) out.push({ id, time, size });
  }
  return out;
}

function contextWith(backups: InventoryBackup[], wal?: BackupInventory['wal']): CheckContext {
  const inventory: BackupInventory = {
    where: 'pg_dump archives in /backups under prefix "daily/"',
    timeFrom: 'the date in the key',
    backups,
    wal,
    ignored: [],
  };
  return {
    db: { query: () => Promise.reject(new Error('no db')) },
    database: '',
    restoreSeconds: 0,
    objectives: {},
    suiteDir: '/',
    inventory,
    now,
  };
}

const run = <O>(
  check: { options: { parse(v: unknown): O } } & Parameters<typeof runCheck<O>>[0],
  options: unknown,
  context: CheckContext,
) => runCheck(check, check.options.parse(options), context);

describe('freshness', () => {
  test('passes when the newest backup is younger than maxAge', async () => {
    const result = await run(freshnessCheck, { maxAge: '26h' }, contextWith(daily(3)));
    expect(result.status).toBe('passed');
    expect(result.actual).toBe('12h 30m old');
  });

  test('fails with the age and the newest key when it is older', async () => {
    const result = await run(freshnessCheck, { maxAge: '26h' }, contextWith(daily(10, ['2026-11-20', '2026-11-19'])));
    expect(result.status).toBe('failed');
    expect(result.message).toContain('daily/shop-2026-11-18.dump finished 2d 12h ago');
    expect(result.expected).toBe('newest backup younger than 1d 2h');
  });

  test('judges the WAL archive apart from the backups', async () => {
    const wal = { count: 3, newest: { name: '000000010000000000000007', at: new Date(now.getTime() - 40 * 60_000) } };
    const result = await run(freshnessCheck, { maxAge: '26h', walMaxAge: '15m' }, contextWith(daily(2), wal));
    expect(result.status).toBe('failed');
    expect(result.message).toContain('000000010000000000000007 was stored 40m ago');
    expect(result.actual).toBe('12h 30m old; 40m old');
  });

  test('an empty location fails, naming where it looked', async () => {
    const result = await run(freshnessCheck, { maxAge: '1h' }, contextWith([]));
    expect(result.status).toBe('failed');
    expect(result.message).toBe('no backup found: pg_dump archives in /backups under prefix "daily/"');
  });

  test('walMaxAge on a source without WAL is an error, not a pass', async () => {
    const result = await run(freshnessCheck, { walMaxAge: '15m' }, contextWith(daily(2)));
    expect(result.status).toBe('error');
    expect(result.message).toContain('WAL_NOT_ARCHIVED_BY_SOURCE');
  });

  test('needs at least one limit', () => {
    expect(freshnessCheck.options.safeParse({}).success).toBe(false);
  });
});

describe('retention', () => {
  test('passes when every complete day, week and month of the policy has a backup', async () => {
    const result = await run(retentionCheck, { daily: 7, weekly: 4, monthly: 2 }, contextWith(daily(70)));
    expect(result.status).toBe('passed');
    expect(result.actual).toBe('daily 7/7, weekly 4/4, monthly 2/2');
  });

  test('lists every missing period, the missing week with its dates', async () => {
    // No backup at all from Monday 2026-11-02 to Sunday 2026-11-08 (ISO week 45).
    const gap = ['2026-11-02', '2026-11-03', '2026-11-04', '2026-11-05', '2026-11-06', '2026-11-07', '2026-11-08'];
    const result = await run(retentionCheck, { daily: 21, weekly: 4 }, contextWith(daily(40, gap)));
    expect(result.status).toBe('failed');
    expect(result.details).toContain('no backup in week 2026-W45 (2026-11-02 … 2026-11-08)');
    expect(result.details).toContain('no backup in day 2026-11-02');
    expect(result.details?.filter((d) => d.startsWith('no backup in day'))).toHaveLength(7);
    expect(result.message).toMatch(
      /^8 periods without a backup: no backup in week 2026-W45 \(2026-11-02 … 2026-11-08\); no backup in day 2026-11-02; /,
    );
    expect(result.actual).toBe('daily 14/21, weekly 3/4');
  });

  test("the running day is not judged: tonight's backup may not have run yet", async () => {
    const result = await run(retentionCheck, { daily: 3 }, contextWith(daily(4, ['2026-11-20'])));
    expect(result.status).toBe('passed');
  });
});

describe('size', () => {
  test('passes for a newest backup near the median of its predecessors', async () => {
    const result = await run(sizeCheck, { minRatio: 0.5, last: 7, minBytes: 1000 }, contextWith(daily(10)));
    expect(result.status).toBe('passed');
    expect(result.message).toContain('1.00 x the median');
  });

  test('fails a newest backup that is a fraction of the median, and one under the floor', async () => {
    const backups = daily(8);
    backups[backups.length - 1] = { ...backups.at(-1)!, size: 612 };
    const result = await run(sizeCheck, { minRatio: 0.5, last: 7, minBytes: 1000 }, contextWith(backups));
    expect(result.status).toBe('failed');
    expect(result.message).toContain('612 bytes is below the floor of 1000 bytes');
    expect(result.message).toContain('612 bytes is 0.00 x the median 976.6 KiB of the last 7, below 0.5');
  });

  test('the median is over the last N predecessors only', async () => {
    const backups = [
      ...daily(10, [], 100).slice(0, 5),
      ...daily(5, [], 1000).map((b, i) => ({ ...b, id: `${b.id}-${i}` })),
    ];
    backups.at(-1)!.size = 900;
    expect((await run(sizeCheck, { last: 4 }, contextWith(backups))).status).toBe('passed');
  });

  test('median', () => {
    expect(medianOf([3, 1, 2])).toBe(2);
    expect(medianOf([4, 1, 2, 3])).toBe(2.5);
    expect(medianOf([])).toBeUndefined();
  });
});

describe('suite rules', () => {
  test('walMaxAge on a pg_dump source is a suite error', async () => {
    const { checkSuiteRules } = await import('../../../src/suite/suite-rules.js');
    const problems = checkSuiteRules({
      name: 's',
      objectives: {},
      engine: { kind: 'auto' },
      storage: { s: { filesystem: { root: '/b' } } },
      drills: [
        {
          name: 'd',
          tags: [],
          timeout: '1h',
          source: { pgdump: { store: 's', prefix: 'x/' } },
          checks: [{ freshness: { walMaxAge: '15m' } }],
        },
      ],
    } as never);
    expect(problems).toEqual([
      {
        path: ['drills', 0, 'checks', 0, 'freshness', 'walMaxAge'],
        message: 'a pg_dump source has no WAL archive; walMaxAge needs a pgbackrest, basebackup or barmanCloud source',
      },
    ]);
  });
});
