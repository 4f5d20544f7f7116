/**
 * The part of the public API (src/index.ts) that loads no heavy dependency: no AWS SDK, testcontainers, pg,
 * report renderers or metrics. `src/index.ts` re-exports everything, so importing it costs seconds;
 * `--version`, `--help`, `validate` and `list` import this instead and the other commands import
 * `src/index.ts` when they run. Every name here is the very export of src/index.ts (a unit test checks it).
 */
export { loadSuites, describeDrill } from '../suite/suite-api.js';
export type { ResolvedSuite, ResolvedDrill } from '../suite/resolved-suite.js';
export { ConfigError, exitCodeFor, formatError, isDrillError } from '../errors.js';
export { createSuiteRedactor } from '../util/redact.js';
export { formatSeconds } from '../util/duration.js';
export { parseShard } from '../fleet/shard.js';
export { parseConcurrency } from '../fleet/run-pool.js';
export { parseByteSize } from '../fleet/byte-size.js';
export { parseSigningKey } from '../report/artifact-signature.js';
export type { DrillEvent } from '../events.js';
export { runAllCleanups } from '../process/cleanup.js';
