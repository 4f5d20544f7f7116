import { captureManifestToFile, ConfigError, exitCodeFor, summarizeManifest } from '../../index.js';
import { printError } from '../print-error.js';

export interface ManifestCaptureFlags {
  /** postgresql:// URL of the live database; the password from PGPASSWORD. */
  db: string;
  out: string;
  counts?: 'exact' | 'estimated';
  /** Columns whose newest value is recorded, `schema.table.column` (repeatable). */
  timestamp?: string[];
  /** Schemas to capture (repeatable); default every non-system schema. */
  schema?: string[];
}

/** `pgdrill manifest capture`: what a restore of this database should bring back, as JSON beside the backup. */
export async function manifestCaptureCommand(flags: ManifestCaptureFlags): Promise<number> {
  try {
    if (flags.counts !== undefined && flags.counts !== 'exact' && flags.counts !== 'estimated') {
      throw new ConfigError('INVALID_OPTION', `--counts ${String(flags.counts)} is not one of exact, estimated`, {
        hint: 'write --counts exact or --counts estimated',
      });
    }
    const manifest = await captureManifestToFile({
      url: flags.db,
      out: flags.out,
      counts: flags.counts,
      timestampColumns: flags.timestamp,
      schemas: flags.schema,
    });
    process.stderr.write(`pgdrill: manifest written to ${flags.out}: ${summarizeManifest(manifest)}\n`);
    return 0;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}
