import { readFile, writeFile } from 'node:fs/promises';
import { reportJsonSchema } from './report-schema.js';

/** `node dist/report/write-report-schema.js <file> [--check]`: write the report JSON Schema, or fail if stale. */
async function main(): Promise<void> {
  const [file, flag] = process.argv.slice(2);
  if (!file) throw new Error('usage: write-report-schema <file> [--check]');
  const text = `${JSON.stringify(reportJsonSchema(), null, 2)}\n`;
  if (flag === '--check') {
    const current = await readFile(file, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${file} is out of date with the report schema (src/report/report-schema.ts); run: npm run schema`);
      process.exitCode = 1;
    }
    return;
  }
  await writeFile(file, text);
}

await main();
