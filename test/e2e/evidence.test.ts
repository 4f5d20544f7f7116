import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BUCKET,
  leftovers,
  serverProcessesUnder,
  startBackupLab,
  type BackupLab,
  type CliResult,
} from '../support/backup-lab.js';
import { reportValidator } from '../unit/report/report-validator.js';

// One real run through the built CLI — a passing, a failing and an erroring drill, with every report (the
// PDF printed by Chromium), a signed manifest and a step summary, started as a GitHub Actions job would
// start it — then everything an auditor or a CI job would do with them.
let lab: BackupLab;
let out: string;
let run: CliResult;
let suite: string;
// What GitHub Actions sets for a job (https://docs.github.com/actions/reference/variables-reference);
// GITHUB_TOKEN is a secret that must reach no report.
const GITHUB_ENV = {
  GITHUB_ACTIONS: 'true',
  CI: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/db-drills',
  GITHUB_RUN_ID: '7000000001',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SHA: 'c0ffee0123456789abcdef0123456789abcdef01',
  GITHUB_REF_NAME: 'main',
  GITHUB_ACTOR: 'alice',
  GITHUB_WORKFLOW: 'weekly restore drill',
  GITHUB_TOKEN: `ghs_${randomBytes(18).toString('hex')}`,
};
const keys = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
// A real S3 credential the embedded server checks signatures with: it must appear in no output.
const s3 = { id: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`, secret: randomBytes(24).toString('base64url') };

beforeAll(async () => {
  lab = await startBackupLab();
  // s3rver keeps its accounts in a module-level registry; add this test's key pair to it.
  const { DUMMY_ACCOUNT } = createRequire(import.meta.url)('s3rver/lib/models/account.js') as {
    DUMMY_ACCOUNT: { createKeyPair(id: string, secret: string): void };
  };
  DUMMY_ACCOUNT.createKeyPair(s3.id, s3.secret);
  out = join(lab.dir, 'out');
  await mkdir(join(out, 'ci'), { recursive: true });
  await writeFile(join(out, 'public.pem'), keys.publicKey);
  suite = await lab.writeSuite(
    'evidence',
    `name: evidence
objectives: { rto: 1h, rpo: 3650d }
${lab.storageYaml}  down: { s3: { bucket: ${BUCKET}, endpoint: "https://127.0.0.1:9", forcePathStyle: true } }
drills:
  - name: encrypted-dump
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump.gz.enc, decrypt: { keyEnv: LAB_KEY } } }
    checks:
      - rows: { table: shop.users, min: 1 }
      - duration: {}
  - name: too-few-orders
    source: { pgdump: { store: lab, database: shop, key: formats/shop.dump } }
    checks:
      - rows: { table: shop.orders, min: 1000000 }
  - name: storage-down
    source: { pgdump: { store: down, key: formats/shop.dump } }
`,
  );
  run = await lab.runCli(
    [
      'run',
      suite,
      '--junit',
      join(out, 'ci', 'junit.xml'),
      '--json',
      join(out, 'run.json'),
      '--report',
      join(out, 'evidence.html'),
      '--report',
      join(out, 'evidence.md'),
      '--report',
      join(out, 'evidence.pdf'),
    ],
    {
      env: {
        ...GITHUB_ENV,
        AWS_ACCESS_KEY_ID: s3.id,
        AWS_SECRET_ACCESS_KEY: s3.secret,
        PGDRILL_SIGNING_KEY: keys.privateKey,
        GITHUB_STEP_SUMMARY: join(out, 'step-summary.md'),
      },
    },
  );
}, 600_000);

afterAll(async () => {
  await lab?.close();
});

const readReport = async () => JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));

test('the run exits 3 (a drill could not run) and says where each artifact went', () => {
  expect(run.exitCode, run.stdout + run.stderr).toBe(3);
  expect(run.stderr).toContain(`JSON written to ${join(out, 'run.json')}`);
  expect(run.stderr).toContain(`evidence written to ${join(out, 'evidence.pdf')}`);
  expect(run.stderr).toContain(`manifest of 5 artifacts written to ${join(out, 'SHA256SUMS')}, signed`);
  expect(run.stderr).toContain('step summary appended to');
});

test('the JSON report validates against schema/report.schema.json and holds the evidence', async () => {
  const report = await readReport();
  expect(reportValidator()(report)).toEqual([]);
  expect(report).toMatchObject({ schemaVersion: '1.1', verdict: 'error', exitCode: 3 });
  const [good, bad, down] = report.drills;
  expect([good.status, bad.status, down.status]).toEqual(['passed', 'failed', 'error']);
  expect(good.backup[0]).toMatchObject({
    key: 'formats/shop.dump.gz.enc',
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    etag: expect.any(String),
    ageSeconds: expect.any(Number),
  });
  expect(good.engine.extensions).toContainEqual({ name: 'plpgsql', version: expect.any(String) });
  expect(good.objectives.rto).toMatchObject({ objectiveSeconds: 3600, status: 'met' });
  expect(good.objectives.rto.achievedSeconds).toBe(good.restoreSeconds);
  expect(good.objectives.rpo).toMatchObject({ status: 'met', basis: 'age of the backup when the drill started' });
  expect(bad.checks[0]).toMatchObject({ status: 'failed', expected: '>= 1000000' });
  expect(down.error.code).toBe('STORAGE_UNREACHABLE');
  expect(down.objectives.rto.status).toBe('not-measured');
  const tools = Object.keys(report.tools.commands);
  expect(tools).toEqual(
    expect.arrayContaining(['openssl', expect.stringMatching(/\/pg_restore$/), expect.stringMatching(/\/psql$/)]),
  );
  expect(report.tools.commands.openssl).toMatch(/^OpenSSL \d/);
  expect(report.tools.servers[0]).toMatch(/^15\./);
});

test('the JSON report carries the run context: the GitHub run, commit, ref, actor, and the suite file SHA-256', async () => {
  const report = await readReport();
  expect(report.ci).toEqual({
    provider: 'github-actions',
    runUrl: 'https://github.com/acme/db-drills/actions/runs/7000000001',
    runId: '7000000001',
    attempt: '2',
    repository: 'acme/db-drills',
    workflow: 'weekly restore drill',
    commit: GITHUB_ENV.GITHUB_SHA,
    ref: 'main',
    actor: 'alice',
  });
  const sha256 = createHash('sha256')
    .update(await readFile(suite))
    .digest('hex');
  expect(report.suite.fileHashes).toEqual([{ path: suite, sha256 }]);
  for (const file of ['evidence.html', 'evidence.md']) {
    const text = await readFile(join(out, file), 'utf8');
    expect(text).toContain(sha256);
    expect(text).toContain('https://github.com/acme/db-drills/actions/runs/7000000001');
    expect(text).toContain(GITHUB_ENV.GITHUB_SHA);
  }
});

test('the PDF: printed by Chromium, a real PDF with pages, the controls once; no browser or temp file left', async () => {
  const pdf = await readFile(join(out, 'evidence.pdf'));
  expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  const pages = pdfPageCount(pdf);
  // summary + run context, one page per drill (3), the control mapping: it was 13 pages with a table per drill.
  expect(pages).toBeGreaterThanOrEqual(4);
  expect(pages).toBeLessThanOrEqual(8);
  expect(await leftovers(run.tmp)).toEqual([]);
  expect(await serverProcessesUnder(run.tmp)).toEqual([]);
});

describe('the HTML evidence report in Chromium', () => {
  let browser: BrowserContext;
  let profile: string;
  beforeAll(async () => {
    // A fresh profile; Debian's chromium, never a downloaded one.
    profile = await mkdtemp(join(lab.dir, 'chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(profile, { recursive: true, force: true });
  });

  test('opens without console errors, shows the summary, timelines and checks, and prints to PDF', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => void (r.url().startsWith('file:') || problems.push(`request to ${r.url()}`)));
    await page.goto(`file://${join(out, 'evidence.html')}`);
    expect(await page.locator('#summary h2').textContent()).toBe('Summary');
    expect(await page.locator('#summary .verdict').textContent()).toMatch(/^ERROR/);
    expect(await page.locator('#summary tbody tr').count()).toBe(3);
    expect(await page.locator('section.drill svg.timeline').count()).toBe(3);
    expect(await page.locator('section.drill svg.timeline rect').first().boundingBox()).not.toBeNull();
    const checks = await page.locator('#drill-2 table.checks').textContent();
    expect(checks).toContain('rows shop.orders >= 1000000');
    expect(checks).toContain('>= 1000000');
    expect(await page.locator('#drill-3').textContent()).toContain('STORAGE_UNREACHABLE');
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.length).toBeGreaterThan(10_000);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(problems).toEqual([]);
    await page.close();
  });
});

test('no secret in any file written: JUnit, JSON, HTML, Markdown, manifest, signature, step summary, console', async () => {
  const files = await readdir(out, { recursive: true });
  const written = files.filter((f) => !f.startsWith('chromium') && f !== 'public.pem' && f !== 'ci');
  expect(written.sort()).toEqual([
    'SHA256SUMS',
    'SHA256SUMS.sig',
    'ci/junit.xml',
    'evidence.html',
    'evidence.md',
    'evidence.pdf',
    'run.json',
    'step-summary.md',
  ]);
  const keyBody = keys.privateKey.split('\n')[1]!;
  const texts = [...(await Promise.all(written.map((f) => readFile(join(out, f), 'utf8')))), run.stdout, run.stderr];
  for (const text of texts)
    for (const secret of [s3.secret, lab.passphrase, keyBody, GITHUB_ENV.GITHUB_TOKEN])
      expect(text).not.toContain(secret);
  expect(await readFile(join(out, 'step-summary.md'), 'utf8')).toMatch(/^### ⚠️ pgdrill evidence: error/);
});

describe('pgdrill verify', () => {
  const manifest = () => join(out, 'SHA256SUMS');
  const publicKey = () => join(out, 'public.pem');

  test('passes on the files as written, with the signature', async () => {
    const result = await lab.runCli(['verify', manifest(), '--public-key', publicKey()]);
    expect(result.exitCode, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^ok +run\.json$/m);
    expect(result.stdout).toContain('signature: valid');
  });

  test('one flipped byte in the JSON report → exit 1 naming the file', async () => {
    const file = join(out, 'run.json');
    const original = await readFile(file);
    const flipped = Buffer.from(original);
    flipped[10]! ^= 0x01;
    await writeFile(file, flipped);
    try {
      const result = await lab.runCli(['verify', manifest(), '--public-key', publicKey()]);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toMatch(/^CHANGED +run\.json$/m);
      expect(result.stderr).toContain('verify failed: run.json changed');
    } finally {
      await writeFile(file, original);
    }
  });

  test('a public key that did not sign it → signature failure, exit 1', async () => {
    const other = join(out, 'other.pem');
    await writeFile(
      other,
      generateKeyPairSync('ed25519', {
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      }).publicKey,
    );
    try {
      const result = await lab.runCli(['verify', manifest(), '--public-key', other]);
      expect(result.exitCode).toBe(1);
      expect(result.stdout).toContain('signature: INVALID');
    } finally {
      await rm(other);
    }
  });

  test('a manifest that does not exist is a usage error, exit 2', async () => {
    const result = await lab.runCli(['verify', join(out, 'nope', 'SHA256SUMS')]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('ARTIFACT_MANIFEST_NOT_FOUND');
  });
});

test('--report with an unknown extension is a usage error before anything is restored', async () => {
  const suite = await lab.writeSuite(
    'tiny',
    `name: tiny\n${lab.storageYaml}drills:\n  - name: d\n    source: { pgdump: { store: lab, key: formats/shop.dump } }\n`,
  );
  const result = await lab.runCli(['run', suite, '--report', join(out, 'evidence.docx')]);
  expect(result.exitCode).toBe(2);
  expect(result.stderr).toContain('REPORT_FORMAT_UNKNOWN');
  expect(result.stdout).not.toContain('restore');
});

test('--report x.pdf without Chromium: REPORT_PDF_UNAVAILABLE, exit 3, saying what to install, before anything is restored', async () => {
  const tiny = await lab.writeSuite(
    'tiny-pdf',
    `name: tiny\n${lab.storageYaml}drills:\n  - name: d\n    source: { pgdump: { store: lab, key: formats/shop.dump } }\n`,
  );
  const pdf = join(out, 'missing-chromium', 'evidence.pdf');
  const result = await lab.runCli(['run', tiny, '--report', pdf, '--json', join(out, 'missing-chromium', 'run.json')], {
    env: { PGDRILL_CHROMIUM: '/nonexistent/chromium' },
  });
  expect(result.exitCode, result.stderr).toBe(3);
  expect(result.stderr).toContain(
    'REPORT_PDF_UNAVAILABLE: A PDF report needs Chromium; PGDRILL_CHROMIUM names /nonexistent/chromium, which is not an executable file',
  );
  expect(result.stderr).toContain('apt-get install chromium');
  expect(result.stderr).toContain('write the report as .html');
  expect(result.stdout).not.toContain('restore');
  expect(await leftovers(join(out, 'missing-chromium'))).toEqual([]);
});

/** Pages of a PDF as its page tree counts them (Chromium writes the tree uncompressed). */
function pdfPageCount(pdf: Buffer): number {
  const text = pdf.toString('latin1');
  const leaves = text.match(/\/Type\s*\/Page\b(?!s)/g)?.length ?? 0;
  const counts = [
    ...text.matchAll(/\/Type\s*\/Pages\b[^>]*?\/Count\s+(\d+)|\/Count\s+(\d+)[^>]*?\/Type\s*\/Pages\b/g),
  ].map((m) => Number(m[1] ?? m[2]));
  return Math.max(leaves, ...counts);
}
