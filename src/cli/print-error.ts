import { formatError } from './light-api.js';

export function printError(error: unknown): void {
  process.stderr.write(`pgdrill: ${formatError(error)}\n`);
}
