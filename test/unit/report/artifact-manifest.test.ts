import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createArtifactRecorder, writeArtifactManifest } from '../../../src/report/artifact-manifest.js';
import { parseSigningKey } from '../../../src/report/artifact-signature.js';
import { verifyArtifactManifest } from '../../../src/report/verify-artifact-manifest.js';

let dir: string;
const pair = () =>
  generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
const keys = pair();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pgdrill-manifest-'));
  await mkdir(join(dir, 'reports'));
  await mkdir(join(dir, 'ci'));
  await writeFile(join(dir, 'reports', 'run.json'), '{"verdict":"passed"}\n');
  await writeFile(join(dir, 'reports', 'evidence.html'), '<!doctype html><p>ok</p>\n');
  await writeFile(join(dir, 'ci', 'junit.xml'), '<testsuites/>\n');
  const artifacts = createArtifactRecorder();
  for (const f of ['reports/run.json', 'reports/evidence.html', 'ci/junit.xml', 'reports/run.json'])
    artifacts.record(join(dir, f));
  await writeArtifactManifest({
    file: join(dir, 'reports', 'SHA256SUMS'),
    artifacts: artifacts.files(),
    signingKey: parseSigningKey(keys.privateKey),
  });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('the manifest lists each artifact once, relative to itself, and sha256sum -c accepts it', async () => {
  const text = await readFile(join(dir, 'reports', 'SHA256SUMS'), 'utf8');
  expect(
    text
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(66)),
  ).toEqual(['run.json', 'evidence.html', '../ci/junit.xml']);
  expect(execFileSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: join(dir, 'reports'), encoding: 'utf8' })).toMatch(
    /run.json: OK\n.*evidence.html: OK\n.*junit.xml: OK/s,
  );
});

test('verify: intact and signed → ok; a flipped byte → that file changed; a wrong key → invalid signature', async () => {
  const file = join(dir, 'reports', 'SHA256SUMS');
  expect(await verifyArtifactManifest({ file, publicKeyPem: keys.publicKey })).toMatchObject({
    ok: true,
    signature: 'valid',
  });
  expect(await verifyArtifactManifest({ file, publicKeyPem: pair().publicKey })).toMatchObject({
    ok: false,
    signature: 'invalid',
  });
  expect(await verifyArtifactManifest({ file })).toMatchObject({ ok: true, signature: 'not checked' });

  const json = join(dir, 'reports', 'run.json');
  const original = await readFile(json);
  const flipped = Buffer.from(original);
  flipped[3]! ^= 0x01;
  await writeFile(json, flipped);
  const tampered = await verifyArtifactManifest({ file, publicKeyPem: keys.publicKey });
  expect(tampered.ok).toBe(false);
  expect(tampered.files.filter((f) => f.status !== 'ok')).toEqual([{ path: 'run.json', status: 'changed' }]);
  await writeFile(json, original);
});

test('a changed manifest breaks the signature; a missing file or signature is reported', async () => {
  const file = join(dir, 'reports', 'SHA256SUMS');
  const original = await readFile(file, 'utf8');
  await writeFile(file, original.split('\n').slice(1).join('\n'));
  expect(await verifyArtifactManifest({ file, publicKeyPem: keys.publicKey })).toMatchObject({
    ok: false,
    signature: 'invalid',
  });
  await writeFile(file, original);
  await rm(join(dir, 'ci', 'junit.xml'));
  expect((await verifyArtifactManifest({ file })).files).toContainEqual({ path: '../ci/junit.xml', status: 'missing' });
  await writeFile(join(dir, 'ci', 'junit.xml'), '<testsuites/>\n');
  const unsigned = join(dir, 'ci', 'SUMS');
  await writeArtifactManifest({ file: unsigned, artifacts: [join(dir, 'ci', 'junit.xml')] });
  expect(await verifyArtifactManifest({ file: unsigned, publicKeyPem: keys.publicKey })).toMatchObject({
    ok: false,
    signature: 'missing',
  });
});

test('a bad signing key is a config error that does not show the key', () => {
  const notEd25519 = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  for (const bad of ['not a key at all', notEd25519]) {
    let error: unknown;
    try {
      parseSigningKey(bad);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'SIGNING_KEY_INVALID', domain: 'config' });
    const secretPart = bad.includes('BEGIN') ? bad.split('\n')[1]! : bad;
    expect(JSON.stringify({ ...(error as object), message: (error as Error).message })).not.toContain(secretPart);
  }
});
