import { countOf } from './manifest-difference.js';
import type { Manifest } from './manifest-schema.js';

/** One line for logs: `shop on PostgreSQL 15.8: 3 tables, 26000 rows (exact), 3 sequences, 1 extension, flyway head 3, schema 9f2c61d0a4b7`. */
export function summarizeManifest(manifest: Manifest): string {
  const rows = manifest.tables.reduce((sum, t) => sum + (t.rows ?? 0), 0);
  const parts = [
    countOf(manifest.tables.length, 'table'),
    `${rows} rows (${manifest.counts})`,
    countOf(manifest.sequences.length, 'sequence'),
    countOf(manifest.extensions.length, 'extension'),
  ];
  if (manifest.timestamps.length > 0) parts.push(countOf(manifest.timestamps.length, 'timestamp column'));
  if (manifest.timescaledb) parts.push(countOf(manifest.timescaledb.hypertables.length, 'hypertable'));
  for (const m of manifest.migrations) parts.push(`${m.tool} head ${m.head ?? '(none)'}`);
  parts.push(`schema ${manifest.schemaFingerprint.slice(0, 12)}`);
  return `${manifest.database} on PostgreSQL ${manifest.serverVersion.split(' ')[0]}: ${parts.join(', ')}`;
}
