import type { ParsedSuite, StoreInput } from '../suite/suite-schema.js';

interface RuleProblem {
  path: (string | number)[];
  message: string;
}

/**
 * A history prefix must not overlap a backup source: pgdrill would then write where it only reads, and
 * a `latest` pick or a WAL listing could see history objects. Prefixes overlap when one starts with the
 * other (S3 listing is by string prefix), compared by bucket and endpoint, not by store name.
 */
export function checkHistoryRules(suite: ParsedSuite): RuleProblem[] {
  const s3 = suite.history?.s3;
  if (!s3) return [];
  const store = suite.storage[s3.store];
  if (!store)
    return [
      {
        path: ['history', 's3', 'store'],
        message: `unknown store "${s3.store}"; defined stores: ${Object.keys(suite.storage).join(', ') || 'none'}`,
      },
    ];
  if (!('s3' in store))
    return [
      {
        path: ['history', 's3', 'store'],
        message: `store "${s3.store}" is not an s3 store; history.s3 needs one (or use history.file)`,
      },
    ];
  const history = locate(store, s3.prefix);
  const problems: RuleProblem[] = [];
  suite.drills.forEach((drill, i) => {
    for (const source of sourcePrefixes(drill)) {
      const target = suite.storage[source.store];
      if (!target || !('s3' in target)) continue;
      const location = locate(target, source.prefix);
      if (location.id !== history.id || !(location.key.startsWith(history.key) || history.key.startsWith(location.key)))
        continue;
      problems.push({
        path: ['history', 's3', 'prefix'],
        message: `history prefix "${history.key}" overlaps the source of drills[${i}] (${drill.name}): "${location.key}" in bucket ${history.bucket}; pgdrill never writes where backups are read — choose a prefix outside every source`,
      });
    }
  });
  return problems;
}

type ParsedDrill = ParsedSuite['drills'][number];

/** Every store prefix a drill lists or reads. */
function sourcePrefixes(drill: ParsedDrill): { store: string; prefix: string }[] {
  const { pgdump, pgbackrest, basebackup, barmanCloud } = drill.source;
  if (pgdump)
    return (pgdump.archives ?? [pgdump]).map((a) => ({ store: pgdump.store, prefix: a.key ?? a.prefix ?? '' }));
  if (pgbackrest) return [{ store: pgbackrest.store, prefix: pgbackrest.path }];
  if (basebackup)
    return [
      { store: basebackup.store, prefix: basebackup.key ?? basebackup.prefix ?? '' },
      { store: basebackup.wal.store ?? basebackup.store, prefix: basebackup.wal.prefix },
    ];
  if (barmanCloud)
    return [
      {
        store: barmanCloud.store,
        prefix: barmanCloud.prefix
          ? `${barmanCloud.prefix.replace(/\/+$/, '')}/${barmanCloud.server}`
          : barmanCloud.server,
      },
    ];
  return [];
}

function locate(
  store: Extract<StoreInput, { s3: unknown }>,
  prefix: string,
): { id: string; bucket: string; key: string } {
  const root = (store.s3.prefix ?? '').replace(/^\/+/, '');
  const key = `${root && !root.endsWith('/') ? `${root}/` : root}${prefix.replace(/^\/+/, '')}`;
  return { id: `${store.s3.endpoint ?? `aws:${store.s3.region}`}/${store.s3.bucket}`, bucket: store.s3.bucket, key };
}
