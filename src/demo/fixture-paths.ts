import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (dist/demo/ → ../..), where fixtures/ and suites/ ship. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixturesDir = join(packageRoot, 'fixtures');
export const suitesDir = join(packageRoot, 'suites');
