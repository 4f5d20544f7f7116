export { captureSchemaSnapshot, type SchemaSnapshot } from './schema-snapshot.js';
export { diffSchemaSnapshots } from './schema-diff.js';
