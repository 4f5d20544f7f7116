import { cpus } from 'node:os';
import { parseArgs } from 'node:util';

export const COMPARISONS = ['pgdump-local', 'pgdump-s3', 'wal-local', 'wal-s3', 'pgbackrest'] as const;
export type Comparison = (typeof COMPARISONS)[number];

export interface BenchOptions {
  pairs: number;
  sizeMb: number;
  walMb: number;
  jobs: number;
  only: Comparison[];
}

/** `--pairs 3 --size-mb 1024 --wal-mb 1024 --jobs <cores> --only pgdump-local,wal-s3`; every problem at once. */
export function parseBenchOptions(argv: string[], cores = cpus().length): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      pairs: { type: 'string', default: '3' },
      'size-mb': { type: 'string', default: '1024' },
      'wal-mb': { type: 'string', default: '1024' },
      jobs: { type: 'string', default: String(cores) },
      only: { type: 'string' },
    },
  });
  const problems: string[] = [];
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) problems.push(`--${name} must be a positive integer, got "${text}"`);
    return n;
  };
  const pairs = positive('pairs', values.pairs);
  const sizeMb = positive('size-mb', values['size-mb']);
  const walMb = positive('wal-mb', values['wal-mb']);
  const jobs = positive('jobs', values.jobs);
  const only =
    values.only === undefined
      ? [...COMPARISONS]
      : values.only
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  for (const name of only)
    if (!(COMPARISONS as readonly string[]).includes(name))
      problems.push(`--only: unknown comparison "${name}" (known: ${COMPARISONS.join(', ')})`);
  const options = { pairs, sizeMb, walMb, jobs, only: only as Comparison[] };
  if (problems.length > 0) throw new Error(problems.join('; '));
  return options;
}
