import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunResult } from '../../src/results.js';
import { leftovers, startBackupLab, type BackupLab, type CliResult } from '../support/backup-lab.js';
import { childrenNamed, parseXml } from '../unit/report/tiny-xml.js';

// Real pg_dump archives in an embedded S3 server, drilled by the built CLI: once whole, once in two
// shards merged back. One drill's check fails and one drill's backup is missing, so verdicts differ.
let lab: BackupLab;
let suite: string;
let whole: CliResult;
const out = (name: string) => join(lab.dir, 'reports', name);

beforeAll(async () => {
  lab = await startBackupLab();
  suite = await lab.writeSuite(
    'fleet',
    `name: fleet
${lab.storageYaml}drills:
  - name: custom
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - rows: { table: shop.users, exact: 5000 }
  - name: plain
    source: { pgdump: { store: lab, database: shop, key: formats/shop.sql } }
    checks:
      - rows: { table: shop.orders, exact: 20000 }
  - name: wrong-count
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump.gz } }
    checks:
      - rows: { table: shop.users, exact: 4999 }
      - sequences: {}
  - name: missing-backup
    source: { pgdump: { store: lab, database: shop, key: formats/nope.dump } }
  - name: encrypted
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY } } }
    checks:
      - rows: { table: shop.orders, min: 1 }
`,
  );
  whole = await lab.runCli(['run', suite, '--json', out('whole.json'), '--junit', out('whole.xml')]);
}, 600_000);

afterAll(async () => {
  await lab?.close();
});

const readJson = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as RunResult;

/** Per testsuite: name → tests/failures/errors/skipped, from the JUnit XML. */
async function junitCounts(file: string): Promise<Record<string, string>> {
  const root = parseXml(await readFile(file, 'utf8'));
  return Object.fromEntries(
    childrenNamed(root, 'testsuite').map((s) => [
      s.attributes.name!,
      `tests=${s.attributes.tests} failures=${s.attributes.failures} errors=${s.attributes.errors} skipped=${s.attributes.skipped}`,
    ]),
  );
}

const verdicts = (run: RunResult) =>
  run.drills.map((d) => `${d.name}: ${d.status}${d.error ? ` ${d.error.code}` : ''}`);

describe('--shard and merge-reports', () => {
  test('two shards merged give the same JUnit counts, verdicts and exit code as one unsharded run', async () => {
    expect(whole.exitCode, whole.stderr).toBe(1);
    const shards = await Promise.all(
      [1, 2].map((i) =>
        lab.runCli([
          'run',
          suite,
          '--shard',
          `${i}/2`,
          '--json',
          out(`shard-${i}.json`),
          '--junit',
          out(`shard-${i}.xml`),
        ]),
      ),
    );
    for (const shard of shards) expect(await leftovers(shard.tmp)).toEqual([]);
    const [one, two] = await Promise.all([readJson(out('shard-1.json')), readJson(out('shard-2.json'))]);
    // The documented rule: drill k goes to shard (k mod 2) + 1.
    expect(one.drills.map((d) => d.name)).toEqual(['custom', 'wrong-count', 'encrypted']);
    expect(two.drills.map((d) => d.name)).toEqual(['plain', 'missing-backup']);
    expect(one.shard).toEqual({ index: 1, count: 2 });
    expect(shards.map((s) => s.exitCode)).toEqual([1, 1]);

    const merge = await lab.runCli([
      'merge-reports',
      out('shard-2.json'),
      out('shard-1.json'),
      '--junit',
      out('merged.xml'),
      '--json',
      out('merged.json'),
      '--report',
      out('merged.html'),
    ]);
    expect(merge.exitCode, merge.stderr).toBe(1);
    expect(merge.stderr).toMatch(/merged 2 results \(2 shards\) of suite fleet: 5 drills/);
    expect(merge.stdout).toMatch(/5 drills: 3 passed, 2 failed/);

    const wholeRun = await readJson(out('whole.json'));
    const merged = await readJson(out('merged.json'));
    expect(verdicts(merged)).toEqual(verdicts(wholeRun));
    expect(verdicts(merged)).toEqual([
      'custom: passed',
      'plain: passed',
      'wrong-count: failed',
      'missing-backup: failed BACKUP_NOT_FOUND',
      'encrypted: passed',
    ]);
    expect(merged.exitCode).toBe(wholeRun.exitCode);
    expect(merged.startedAt <= one.startedAt && merged.startedAt <= two.startedAt).toBe(true);
    expect(merged.finishedAt).toBe([one.finishedAt, two.finishedAt].sort().at(-1));
    expect(await junitCounts(out('merged.xml'))).toEqual(await junitCounts(out('whole.xml')));
    expect(Object.keys(await junitCounts(out('merged.xml')))).toHaveLength(5);
    // The merged JSON is the versioned report, and the evidence report covers every drill of both shards.
    expect((merged as RunResult & { schemaVersion?: string }).schemaVersion).toBe('1.1');
    const html = await readFile(out('merged.html'), 'utf8');
    for (const name of ['custom', 'plain', 'wrong-count', 'missing-backup', 'encrypted']) expect(html).toContain(name);
  });

  test('an empty shard runs nothing, writes valid empty reports, says so and exits 0', async () => {
    const empty = await lab.runCli([
      'run',
      suite,
      '--shard',
      '7/7',
      '--json',
      out('empty.json'),
      '--junit',
      out('empty.xml'),
    ]);
    expect(empty.exitCode, empty.stderr).toBe(0);
    expect(empty.stderr).toMatch(/shard 7\/7 has no drills \(5 drills in 7 shards\): nothing to run/);
    const json = await readJson(out('empty.json'));
    expect(json.drills).toEqual([]);
    expect(json.shard).toEqual({ index: 7, count: 7 });
    const xml = parseXml(await readFile(out('empty.xml'), 'utf8'));
    expect(xml.name).toBe('testsuites');
    expect(childrenNamed(xml, 'testsuite')).toEqual([]);
  });

  test('merge-reports refuses overlapping results and missing shards with a clear message (exit 2)', async () => {
    const overlap = await lab.runCli(['merge-reports', out('whole.json'), out('whole.json')]);
    expect(overlap.exitCode).toBe(2);
    expect(overlap.stderr).toMatch(/OVERLAPPING_RESULTS: 5 drills appear in more than one result: the shards overlap/);
    expect(overlap.stderr).toContain(`drill custom is in ${out('whole.json')} and in ${out('whole.json')}`);
    // Shard 2 of a one-drill selection is empty and immediate; shard 1 is the one missing.
    const lone = await lab.runCli(['run', suite, '--only', 'custom', '--shard', '2/2', '--json', out('lone.json')]);
    expect(lone.exitCode, lone.stderr).toBe(0);
    const missing = await lab.runCli(['merge-reports', out('lone.json')]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/SHARDS_MISSING: 1 of 2 shards have no result: 1\/2/);
  });
});
