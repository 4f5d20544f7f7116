import { readFile, writeFile } from 'node:fs/promises';
import { suiteJsonSchema } from './suite-api.js';

/** `node dist/suite/write-json-schema.js <file> [--check]`: write the suite JSON Schema, or fail if stale. */
async function main(): Promise<void> {
  const [file, flag] = process.argv.slice(2);
  if (!file) throw new Error('usage: write-json-schema <file> [--check]');
  const text = `${JSON.stringify({ title: 'pgdrill suite', ...suiteJsonSchema() }, null, 2)}\n`;
  if (flag === '--check') {
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${file} is out of date with the suite schema; run: npm run schema`);
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(file, text);
}

await main();
