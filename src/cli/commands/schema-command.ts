import { exitCodeFor, snapshotSchemaToFile } from '../../index.js';
import { printError } from '../print-error.js';

/** `pgdrill schema snapshot`: the schema a restore must bring back, for the schemaDrift check. */
export async function schemaSnapshotCommand(flags: { db: string; out: string; schema?: string[] }): Promise<number> {
  try {
    const snapshot = await snapshotSchemaToFile({ url: flags.db, out: flags.out, schemas: flags.schema });
    process.stderr.write(
      `pgdrill: schema snapshot of ${Object.keys(snapshot.tables).length} tables, ${snapshot.extensions.length} extensions, ${snapshot.functions.length} functions written to ${flags.out}\n`,
    );
    return 0;
  } catch (error) {
    printError(error);
    return exitCodeFor(error);
  }
}
