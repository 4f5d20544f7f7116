import { StorageError } from '../errors.js';
import {
  pgbackrestArgs,
  pgbackrestEnv,
  pgbackrestS3KeyType,
  preparePgbackrestDirs,
} from '../sources/pgbackrest/pgbackrest-args.js';
import type { PgbackrestOptions } from '../sources/pgbackrest/pgbackrest-options.js';
import { printable, runPgbackrest, type InfoStanza } from '../sources/pgbackrest/pgbackrest-source.js';
import { joinKey, type PhysicalContext } from '../sources/physical/physical-source.js';
import { sortBackups, walInventory, type BackupInventory } from './inventory.js';

/** Every set `pgbackrest info` lists (stop time, database size) and the newest segment under archive/<stanza>/. */
export async function listPgbackrestInventory(
  ctx: PhysicalContext & { options: PgbackrestOptions },
): Promise<BackupInventory> {
  const { options } = ctx;
  const where = `pgBackRest stanza ${options.stanza} in ${ctx.store.description}${options.path}`;
  await preparePgbackrestDirs(ctx.workDir);
  const env = pgbackrestEnv(ctx.env, options);
  const s3KeyType = pgbackrestS3KeyType(ctx.storeConfig, ctx.env);
  const out = await runPgbackrest(
    [...pgbackrestArgs(ctx.storeConfig, options, { lock: ctx.workDir, s3KeyType }), '--output=json', 'info'],
    env,
    where,
  );
  // Undecryptable bytes are copied into the JSON verbatim (as in the restore path); they only matter as text.
  const stanza = (JSON.parse(out.trim().replace(/[\u0000-\u001f\u007f]/g, '?')) as InfoStanza[]).find(
    (s) => s.name === options.stanza,
  );
  const repoProblems = (stanza?.repo ?? [])
    .filter((r) => r.status.code !== 0)
    .map((r) => `repo${r.key}: ${printable(r.status.message)}`);
  if (stanza?.status.code === 99 && repoProblems.length > 0)
    throw new StorageError('STORAGE_UNREACHABLE', `pgBackRest could not read ${where}`, {
      details: repoProblems,
      hint: 'check the endpoint, TLS settings, credentials and cipherPassEnv of the store',
    });
  const backups = (stanza?.backup ?? []).map((b) => ({
    id: b.label,
    time: new Date(b.timestamp.stop * 1000),
    size: b.info?.size ?? b.info?.repository?.size,
    type: b.type,
  }));
  const wal = walInventory(
    await ctx.store.list(`${joinKey(options.path, 'archive', options.stanza)}/`, { signal: ctx.signal }),
  );
  return {
    where,
    timeFrom: 'the stop time in pgbackrest info',
    backups: sortBackups(backups),
    wal,
    ignored: [],
    status:
      stanza && stanza.status.code !== 0
        ? `pgBackRest status: ${printable(stanza.status.message)}`
        : stanza
          ? undefined
          : `pgbackrest info does not list stanza ${options.stanza}`,
  };
}
