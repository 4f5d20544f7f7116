import { resolve } from 'node:path';
import type { CheckDefinition } from '../checks/check.js';
import type { StoreConfig } from '../storage/create-store.js';
import { parseDuration } from '../util/duration.js';
import { resolveHistory } from '../history/resolved-history.js';
import { resolveNotify } from '../notify/notify-options.js';
import { resolveMetrics } from '../report/metrics-options.js';
import type { ResolvedDrill, ResolvedSource, ResolvedSuite } from './resolved-suite.js';
import type { ParsedDrill, ParsedSuite, StoreInput } from './suite-schema.js';

interface ResolveContext {
  file: string;
  dir: string;
  checks: readonly CheckDefinition<unknown>[];
}

/** Turn a validated suite into resolved types: absolute paths, seconds, check definitions attached. */
export function resolveSuite(suite: ParsedSuite, context: ResolveContext): ResolvedSuite {
  const storage = Object.fromEntries(
    Object.entries(suite.storage).map(([name, store]) => [name, resolveStore(store, context.dir)]),
  );
  return {
    name: suite.name,
    description: suite.description,
    file: context.file,
    dir: context.dir,
    objectives: {
      rtoSeconds: suite.objectives.rto === undefined ? undefined : parseDuration(suite.objectives.rto),
      rpoSeconds: suite.objectives.rpo === undefined ? undefined : parseDuration(suite.objectives.rpo),
    },
    engine: {
      kind: suite.engine.kind,
      binDir: suite.engine.binDir === undefined ? undefined : resolve(context.dir, suite.engine.binDir),
      osUser: suite.engine.osUser,
      docker: suite.engine.docker,
    },
    storage,
    drills: suite.drills.map((drill) => resolveDrill(drill, context)),
    ...(suite.metrics && { metrics: resolveMetrics(suite.metrics, context.dir) }),
    ...(suite.notify && { notify: resolveNotify(suite.notify) }),
    ...(suite.history && { history: resolveHistory(suite.history, context.dir, storage) }),
  };
}

function resolveStore(store: StoreInput, dir: string): StoreConfig {
  if ('filesystem' in store) return { filesystem: { root: resolve(dir, store.filesystem.root) } };
  const { caBundle, readIdleTimeout, ...s3 } = store.s3;
  return {
    s3: {
      ...s3,
      ...(caBundle === undefined ? {} : { caBundle: resolve(dir, caBundle) }),
      // Below 100 ms every pause of a healthy server would count as a stall.
      ...(readIdleTimeout === undefined
        ? {}
        : { readIdleTimeoutMs: Math.max(100, parseDuration(readIdleTimeout) * 1000) }),
    },
  };
}

function resolveSource(source: ParsedDrill['source']): ResolvedSource {
  if (source.pgdump)
    return {
      kind: 'pgdump',
      store: source.pgdump.store,
      options: source.pgdump,
      archives: source.pgdump.archives ?? [source.pgdump],
    };
  if (source.pgbackrest) return { kind: 'pgbackrest', store: source.pgbackrest.store, options: source.pgbackrest };
  if (source.basebackup)
    return {
      kind: 'basebackup',
      store: source.basebackup.store,
      walStore: source.basebackup.wal.store ?? source.basebackup.store,
      options: source.basebackup,
    };
  return { kind: 'barmanCloud', store: source.barmanCloud!.store, options: source.barmanCloud! };
}

function resolveDrill(drill: ParsedDrill, context: ResolveContext): ResolvedDrill {
  return {
    name: drill.name,
    description: drill.description,
    tags: drill.tags,
    timeoutSeconds: parseDuration(drill.timeout),
    stallTimeoutSeconds: parseDuration(drill.stallTimeout),
    checkTimeoutSeconds: parseDuration(drill.checkTimeout),
    postgres: {
      major: drill.postgres?.major,
      settings: Object.fromEntries(Object.entries(drill.postgres?.settings ?? {}).map(([k, v]) => [k, String(v)])),
      superusers: drill.postgres?.superusers,
    },
    source: resolveSource(drill.source),
    target: drill.target,
    checks: drill.checks.map((item) => {
      const [type, options] = Object.entries(item).find(([, v]) => v !== undefined)!;
      const definition = context.checks.find((c) => c.type === type)!;
      return { type, options, definition };
    }),
  };
}
