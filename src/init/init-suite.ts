import { access, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { stringify } from 'yaml';
import { builtinChecks } from '../checks/index.js';
import { ConfigError, SourceError } from '../errors.js';
import { createStore } from '../storage/create-store.js';
import type { ObjectStore } from '../storage/object-store.js';
import { dateInKey } from '../storage/pick-backup.js';
import { loadSuite } from '../suite/load-suite.js';
import { detectLayout, type Layout } from './detect-layout.js';
import { draftSuite, type Inspected } from './draft-suite.js';
import { parseLocation, type LocationOptions } from './parse-location.js';
import { schemaModeline } from './schema-modeline.js';
import { readHead, sniffDump } from './sniff-object.js';

export interface InitSuiteOptions extends LocationOptions {
  /** `s3://bucket/prefix` or a local directory. */
  from: string;
  /** Where to write the suite; undefined: only return its text. */
  out?: string;
  /** Replace an existing `out`. @default false */
  force?: boolean;
  /** The suite's name. @default the out file's name, else `backups` */
  name?: string;
  signal?: AbortSignal;
  /** Retention suggestions count complete periods before this. @default new Date() */
  now?: Date;
}

export interface InitSuiteResult {
  /** One line per source found, for the user. */
  findings: string[];
  yaml: string;
  drills: number;
  /** Absolute path written, when `out` was given. */
  file?: string;
}

/**
 * Look at what a location holds (listing it, and reading the first bytes of the newest dump of each
 * family), and write a starter suite that `pgdrill validate` accepts. Reads only; never overwrites
 * without `force`.
 */
export async function initSuite(options: InitSuiteOptions): Promise<InitSuiteResult> {
  const file = options.out === undefined ? undefined : resolve(options.out);
  if (file && !options.force && (await exists(file)))
    throw new ConfigError('SUITE_EXISTS', `${file} already exists; pgdrill init did not touch it`, {
      hint: 'choose another --out, or pass --force to replace it',
    });
  const location = parseLocation(options.from, options);
  const store = createStore(location.store);
  try {
    const objects = await store.list(location.prefix, { signal: options.signal });
    const layout = detectLayout(objects);
    if (layout.dumps.length + layout.pgbackrest.length + layout.barman.length + layout.basebackups.length === 0)
      throw new SourceError(
        'BACKUP_NOT_FOUND',
        `found no backup pgdrill recognises in ${location.display} (${objects.length} objects)`,
        {
          details: objects.slice(0, 10).map((o) => o.key),
          hint: 'pgdrill recognises pg_dump files (.dump, .sql, .tar, .backup, optionally .gz/.zst/.enc, or directory dumps), pgBackRest repositories, barman-cloud layouts and base backups (base.tar[.gz], backup_manifest)',
        },
      );
    const inspected = await inspect(store, layout, objects, options.signal);
    const name = options.name ?? (file ? basename(file).replace(/\.ya?ml$/, '') : 'backups');
    const { suite, findings } = draftSuite({
      name,
      location: location.display,
      store: location.store,
      layout,
      inspected,
      now: options.now ?? new Date(),
    });
    // Without --out the suite goes to stdout, most likely redirected into a file in the current directory.
    const modeline = schemaModeline(file ? dirname(file) : process.cwd());
    const yaml = `${modeline}\n# Written by pgdrill init from ${location.display}. Credentials come from the AWS default chain, never from this file.\n${stringify(suite, { lineWidth: 0 })}`;
    const drills = (suite.drills as unknown[]).length;
    if (!file) return { findings, yaml, drills };
    await writeFile(file, yaml, { flag: options.force ? 'w' : 'wx' });
    await proveValid(file);
    return { findings, yaml, drills, file };
  } finally {
    await store.close();
  }
}

async function inspect(
  store: ObjectStore,
  layout: Layout,
  objects: { key: string; lastModified: Date }[],
  signal?: AbortSignal,
): Promise<Inspected> {
  const inspected: Inspected = { dumps: new Map(), encryptedRepos: new Set(), times: new Map() };
  const modified = (key: string) => objects.find((o) => o.key === key)?.lastModified;
  const timesOf = (keys: string[]) => keys.map(modified).filter((t): t is Date => t !== undefined);
  for (const d of layout.dumps) {
    const newest = d.objects.at(-1)!;
    if (d.format !== 'directory') inspected.dumps.set(d, await sniffDump(store, newest, signal));
    inspected.times.set(
      d,
      d.objects.map((o) => (d.datedKeys ? (dateInKey(o.key) ?? o.lastModified) : o.lastModified)),
    );
  }
  for (const r of layout.pgbackrest) {
    // A plain backup.info starts with its [backrest] section; an encrypted one is cipher text.
    if (!(await readHead(store, r.infoKey, 10, signal)).toString('latin1').startsWith('[backrest]'))
      inspected.encryptedRepos.add(r);
    const root = r.infoKey.slice(0, -'backup.info'.length);
    inspected.times.set(r, timesOf(r.labels.map((l) => `${root}${l}/backup.manifest`)));
  }
  for (const b of layout.barman)
    inspected.times.set(
      b,
      timesOf(b.ids.map((id) => `${b.prefix ? `${b.prefix}/` : ''}${b.server}/base/${id}/backup.info`)),
    );
  for (const b of layout.basebackups)
    inspected.times.set(
      b,
      b.dirs.map((d) =>
        objects
          .filter((o) => o.key.startsWith(`${d}/`))
          .reduce((m, o) => (o.lastModified > m ? o.lastModified : m), new Date(0)),
      ),
    );
  return inspected;
}

// The suite is written by code: one that does not validate is a pgdrill bug, and must not stay behind.
async function proveValid(file: string): Promise<void> {
  try {
    await loadSuite(file, { checks: builtinChecks, env: {} });
  } catch (error) {
    await rm(file, { force: true });
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
