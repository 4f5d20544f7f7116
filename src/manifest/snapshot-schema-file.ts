import { writeSchemaSnapshot, type SchemaSnapshot } from '../checks/schema-snapshot.js';
import { withLiveDatabase } from './capture-manifest-file.js';

/** Read a live database's schema (read-only catalog queries) and write the snapshot file schemaDrift compares with. */
export async function snapshotSchemaToFile(options: {
  url: string;
  out: string;
  schemas?: string[];
}): Promise<SchemaSnapshot> {
  return withLiveDatabase(options.url, 'pgdrill schema snapshot', (db) =>
    writeSchemaSnapshot(db, options.out, { schemas: options.schemas }),
  );
}
