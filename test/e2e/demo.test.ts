import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { connectRuntime, imageExists } from '../../src/engines/docker/docker-runtime.js';
import { DEFAULT_MINIO_IMAGE } from '../../src/engines/docker/start-minio-container.js';
import { leftovers, serverProcessesUnder } from '../support/backup-lab.js';
import { reportValidator } from '../unit/report/report-validator.js';
import { dockerEngineAvailability, pgdrillContainers } from '../support/docker-support.js';

const CLI = join(import.meta.dirname, '..', '..', 'dist', 'cli', 'main.js');

const docker = await dockerEngineAvailability();
const minioPresent =
  docker.usable && (await imageExists(await connectRuntime(), process.env.PGDRILL_MINIO_IMAGE || DEFAULT_MINIO_IMAGE));
const engines = [
  { engine: 'local', skip: undefined },
  { engine: 'docker', skip: docker.usable ? undefined : docker.reason },
];

// The same demo, the same verdicts, on both engines.
describe.each(engines)('on the $engine engine', ({ engine, skip }) => {
  test.skipIf(skip !== undefined)(
    `the demo drill passes end to end through the built CLI and its JUnit counts are right${skip ? ` (skipped: ${skip})` : ''}`,
    async () => {
      const tmp = await mkdtemp(join(tmpdir(), 'pgdrill-e2e-demo-'));
      const junit = join(tmp, 'out', 'demo.junit.xml');
      const work = await mkdtemp(join(tmpdir(), 'pgdrill-e2e-tmp-'));
      await chmod(work, 0o711); // as root, the server's OS user must traverse it
      try {
        const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
          (resolve) => {
            const child = execFile(
              process.execPath,
              [
                CLI,
                'demo',
                '--engine',
                engine,
                '--junit',
                junit,
                '--json',
                join(tmp, 'out', 'demo.json'),
                '--report',
                join(tmp, 'out', 'demo.html'),
              ],
              { env: { ...process.env, TMPDIR: work } },
              (_e, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
            );
          },
        );
        expect(code, stdout + stderr).toBe(0);
        expect(stdout).toMatch(/3 drills: 3 passed · 11 checks: 11 passed/);
        const xml = await readFile(junit, 'utf8');
        expect(xml).toMatch(/<testsuites name="demo" tests="14" failures="0" errors="0" skipped="0">/);
        expect(xml.match(/<testsuite /g)).toHaveLength(3);
        expect(xml.match(/<testcase .*name="step: restore"/g)).toHaveLength(3);
        expect(xml).toContain('<property name="backup.key" value="daily/shop-2026-11-20.dump"/>');
        expect(xml).toContain('<property name="backup.key" value="encrypted/shop-2026-11-20.dump.gz.enc"/>');
        expect(xml).toMatch(/<property name="backup.sha256" value="[0-9a-f]{64}"\/>/);
        // The JSON report validates, the evidence report and the manifest of every artifact are beside it.
        const report = JSON.parse(await readFile(join(tmp, 'out', 'demo.json'), 'utf8'));
        expect(reportValidator()(report)).toEqual([]);
        expect(report.drills.map((d: { engine: { kind: string } }) => d.engine.kind)).toEqual([engine, engine, engine]);
        expect(await readFile(join(tmp, 'out', 'demo.html'), 'utf8')).toContain(
          'PASSED: every backup restored and every check held',
        );
        expect((await readFile(join(tmp, 'out', 'SHA256SUMS'), 'utf8')).trim().split('\n')).toHaveLength(3);
        expect(await serverProcessesUnder(work)).toEqual([]);
        expect(await leftovers(work)).toEqual([]);
        expect(stderr).toContain(`on the ${engine} engine`);
        // The backups went to a scratch S3 server on loopback, and the run said which and why.
        expect(stderr).toMatch(/pgdrill: (embedded S3|MinIO) listening on https:\/\/127\.0\.0\.1:\d+ \(.+\)/);
        if (docker.usable && !minioPresent) expect(stderr).toContain('embedded S3 listening on https://127.0.0.1:');
        if (engine === 'docker') expect(await pgdrillContainers(work)).toEqual([]);
      } finally {
        await rm(tmp, { recursive: true, force: true });
        await rm(work, { recursive: true, force: true });
      }
    },
  );
});
