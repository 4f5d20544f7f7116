import { describe, expect, it } from 'vitest';
import type { CheckContext, Queryable } from '../../../src/checks/check.js';
import { hypertablesCheck } from '../../../src/checks/hypertables-check.js';
import { fakeDb } from './fake-db.js';

const context = (db: Queryable): CheckContext => ({
  db,
  database: 'app',
  restoreSeconds: 1,
  objectives: {},
  suiteDir: '.',
});
const run = (db: Queryable, input: object) => hypertablesCheck.run(context(db), hypertablesCheck.options.parse(input));
const extension = (version?: string) =>
  [/from pg_extension/, version ? [{ extversion: version }] : []] as [RegExp, unknown[]];
const noSequences = [/from pg_depend/, []] as [RegExp, unknown[]];

describe('hypertables options', () => {
  it('defaults to no expectations and checks the catalog sequences', () => {
    expect(hypertablesCheck.options.parse({})).toEqual({
      hypertables: [],
      continuousAggregates: [],
      internalSequences: true,
    });
  });

  it.each([
    [{ hypertables: [{ name: 'a.b.c' }] }, 'expected schema.name or name (schema public)'],
    [{ hypertables: [{ name: 'metrics', minChunks: -1 }] }, 'Too small'],
    [{ hypertables: [{ name: 'metrics', chunks: 3 }] }, 'Unrecognized key: "chunks"'],
    [{ hypertables: [{ name: 'metrics', compression: { segmentBy: ['device'] } }] }, 'Unrecognized key: "segmentBy"'],
    [{ continuousAggregates: [{ name: 'hourly', refresh: { start: '2024-01-01' } }] }, 'expected string'],
    [{ jobs: { min: 1.5 } }, 'expected int'],
    [{ internalSequences: 'yes' }, 'expected boolean'],
  ])('rejects %j', (input, message) => {
    const parsed = hypertablesCheck.options.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message).join('; ')).toContain(message);
  });
});

describe('hypertables label', () => {
  it.each([
    [{}, 'hypertables'],
    [{ hypertables: [{ name: 'metrics' }, { name: 'Iot."Raw"' }] }, 'hypertables public.metrics, iot."Raw"'],
    [
      { hypertables: [{ name: 'metrics' }], continuousAggregates: [{ name: 'metrics_hourly' }] },
      'hypertables public.metrics, public.metrics_hourly',
    ],
  ])('labels %j as %s', (input, label) => {
    expect(hypertablesCheck.label(hypertablesCheck.options.parse(input))).toBe(label);
  });
});

describe('hypertables run', () => {
  const hypertable = [/from timescaledb_information.hypertables/, [{ compression_enabled: true }]] as [
    RegExp,
    unknown[],
  ];
  const chunks = (n: number, compressed: number) =>
    [
      /from timescaledb_information.chunks/,
      [
        {
          chunks: String(n),
          compressed: String(compressed),
          range_from: '2024-01-01 00:00:00+00',
          range_to: '2024-01-07 00:00:00+00',
        },
      ],
    ] as [RegExp, unknown[]];
  const settings = [/hypertable_compression_settings/, [{ segmentby: 'device', orderby: '"time" DESC' }]] as [
    RegExp,
    unknown[],
  ];

  it('fails when the database has no timescaledb extension', async () => {
    expect(await run(fakeDb([extension()]), { hypertables: [{ name: 'metrics' }] })).toMatchObject({
      status: 'failed',
      message: 'the database has no timescaledb extension, expected TimescaleDB objects',
      actual: 'not installed',
    });
  });

  it('reports chunks, range and compression and passes when they meet the expectation', async () => {
    const db = fakeDb([extension('2.28.3'), hypertable, chunks(6, 3), settings, noSequences]);
    const outcome = await run(db, {
      hypertables: [
        {
          name: 'metrics',
          minChunks: 6,
          compression: { segmentby: ['device'], orderby: ['time'], minCompressedChunks: 3 },
        },
      ],
    });
    expect(outcome.status).toBe('passed');
    expect(outcome.details).toContain(
      'public.metrics: 6 chunks, 2024-01-01 00:00:00+00 .. 2024-01-07 00:00:00+00, compression segmentby [device] orderby ["time" DESC], 3 compressed',
    );
  });

  it('names the hypertable and the chunk counts when chunks are missing', async () => {
    const db = fakeDb([extension('2.28.3'), hypertable, chunks(0, 0), settings, noSequences]);
    const outcome = await run(db, {
      hypertables: [{ name: 'metrics', minChunks: 6, compression: { minCompressedChunks: 1, segmentby: ['site'] } }],
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.message).toBe(
      'public.metrics has 0 chunks, expected at least 6; public.metrics segments by [device], expected [site]; public.metrics has 0 compressed chunks, expected at least 1',
    );
  });

  it('fails a plain table that is not a hypertable, naming it', async () => {
    const db = fakeDb([
      extension('2.28.3'),
      [/from timescaledb_information.hypertables/, []],
      [/from pg_class c join pg_namespace/, [{ oid: 1, relkind: 'r' }]],
      noSequences,
    ]);
    expect((await run(db, { hypertables: [{ name: 'metrics' }] })).message).toBe(
      'public.metrics exists but is not a hypertable (not in timescaledb_information.hypertables)',
    );
  });

  it('fails a catalog sequence behind the ids in use, and a missing continuous aggregate', async () => {
    const db = fakeDb([
      extension('2.28.3'),
      [/continuous_aggregates/, []],
      [/from pg_depend/, [{ seq: '_timescaledb_catalog.chunk_id_seq', tbl: '_timescaledb_catalog.chunk', col: 'id' }]],
      [/last_value/, [{ last_value: '1', is_called: false }]],
      [/max\("id"\)/, [{ max: '7' }]],
    ]);
    expect((await run(db, { continuousAggregates: [{ name: 'metrics_hourly' }] })).message).toBe(
      'continuous aggregate public.metrics_hourly does not exist; _timescaledb_catalog.chunk_id_seq is at 1, behind max(_timescaledb_catalog.chunk.id) = 7',
    );
  });

  it('waits out a refresh policy running concurrently, and reports any other refresh error', async () => {
    let calls = 0;
    const busyOnce = () => {
      if (++calls === 1)
        throw new Error('could not refresh continuous aggregate "metrics_hourly" due to a concurrent refresh');
      return [];
    };
    const window = { start: '2024-01-01', end: '2024-01-08' };
    const cagg = [/continuous_aggregates/, [{ '?column?': 1 }]] as [RegExp, unknown[]];
    const db = fakeDb([extension('2.28.3'), cagg, [/call refresh_continuous_aggregate/, busyOnce]]);
    const outcome = await run(db, {
      continuousAggregates: [{ name: 'metrics_hourly', refresh: window }],
      internalSequences: false,
    });
    expect(outcome).toMatchObject({
      status: 'passed',
      message: 'public.metrics_hourly: refreshed over 2024-01-01 .. 2024-01-08',
    });
    expect(db.queries.at(-1)).toBe(
      `call refresh_continuous_aggregate('"public"."metrics_hourly"', '2024-01-01'::timestamptz, '2024-01-08'::timestamptz)`,
    );
    const broken = fakeDb([
      extension('2.28.3'),
      cagg,
      [
        /call refresh/,
        () => {
          throw new Error('relation does not exist');
        },
      ],
    ]);
    expect(
      (
        await run(broken, {
          continuousAggregates: [{ name: 'metrics_hourly', refresh: window }],
          internalSequences: false,
        })
      ).message,
    ).toBe('refreshing public.metrics_hourly over 2024-01-01 .. 2024-01-08 failed: relation does not exist');
  });

  it('fails jobs below the minimum and jobs whose owner role is gone', async () => {
    const db = fakeDb([
      extension('2.28.3'),
      [/from timescaledb_information.jobs/, [{ job_id: 1000, owner: '16999', owner_exists: false }]],
    ]);
    expect((await run(db, { jobs: { min: 2, owners: true }, internalSequences: false })).message).toBe(
      '1 jobs, expected at least 2; job 1000 is owned by 16999, a role that does not exist',
    );
  });
});
