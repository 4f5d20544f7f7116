/** One side of a comparison: what a runbook does by hand (`raw`) or what pgdrill does (`pgdrill`). */
export type Side = 'raw' | 'pgdrill';

/** One measured run of one side. */
export interface Sample {
  side: Side;
  /** 0-based index of the pair the run belongs to. */
  pair: number;
  seconds: number;
}

export interface SideSummary {
  min: number;
  median: number;
  runs: number;
}

export interface ComparisonSummary {
  raw: SideSummary;
  pgdrill: SideSummary;
  /** Median over pairs of pgdrill / raw of the same pair: the runs next to each other in time share the load. */
  medianRatio: number;
  /** median(pgdrill) / median(raw), for reading next to medianRatio. */
  ratioOfMedians: number;
}

/** A run of one side that threw: the pair is measured again, so the failure is reported, not averaged in. */
export interface Failure {
  side: Side;
  pair: number;
  error: unknown;
}

/**
 * Run `pairs` interleaved pairs of the two sides, one run at a time: raw, pgdrill, raw, pgdrill, … so a change
 * of load over time hits both sides alike. Each side returns its seconds. A pair
 * with a failed run is run again from its raw side (its samples are dropped), at most `maxFailures` times
 * in all; one more failure throws.
 */
export async function runPairs(
  pairs: number,
  run: Record<Side, (pair: number) => Promise<number>>,
  hooks: { onSample?: (sample: Sample) => void; onFailure?: (failure: Failure) => void; maxFailures?: number } = {},
): Promise<{ samples: Sample[]; failures: Failure[] }> {
  const samples: Sample[] = [];
  const failures: Failure[] = [];
  for (let pair = 0; pair < pairs; pair++) {
    const measured: Sample[] = [];
    for (const side of ['raw', 'pgdrill'] as const) {
      try {
        measured.push({ side, pair, seconds: await run[side](pair) });
        hooks.onSample?.(measured.at(-1)!);
      } catch (error) {
        const failure = { side, pair, error };
        failures.push(failure);
        hooks.onFailure?.(failure);
        if (failures.length > (hooks.maxFailures ?? 0)) throw error;
        break;
      }
    }
    if (measured.length === 2) samples.push(...measured);
    else pair--;
  }
  return { samples, failures };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** min/median per side and the ratios; only pairs with both sides measured count for the per-pair ratio. */
export function summarize(samples: readonly Sample[]): ComparisonSummary {
  const side = (s: Side): SideSummary => {
    const values = samples.filter((x) => x.side === s).map((x) => x.seconds);
    if (values.length === 0) throw new RangeError(`no ${s} samples`);
    return { min: Math.min(...values), median: median(values), runs: values.length };
  };
  const raw = side('raw');
  const pgdrill = side('pgdrill');
  const ratios: number[] = [];
  for (const r of samples.filter((x) => x.side === 'raw')) {
    const p = samples.find((x) => x.side === 'pgdrill' && x.pair === r.pair);
    if (p) ratios.push(p.seconds / r.seconds);
  }
  return { raw, pgdrill, medianRatio: median(ratios), ratioOfMedians: pgdrill.median / raw.median };
}
