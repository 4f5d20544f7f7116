import { formatError } from '../index.js';

export function printError(error: unknown): void {
  process.stderr.write(`pgdrill: ${formatError(error)}\n`);
}
