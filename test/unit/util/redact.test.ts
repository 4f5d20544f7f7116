import { describe, expect, test } from 'vitest';
import { createRedactor, createSuiteRedactor, redactError, secretEnvNames } from '../../../src/util/redact.js';
import { ConfigError } from '../../../src/errors.js';

describe('createRedactor', () => {
  test('replaces every occurrence, in any case, longest secret first, regex characters literal', () => {
    const r = createRedactor(['S3RVER', 'a.b*c', 'S3RVERXYZ']);
    expect(r.text('x S3RVER nowhere_s3rver S3RVERXYZ a.b*c axbxc')).toBe('x *** nowhere_*** *** *** axbxc');
  });

  test('values under 4 characters are not redacted (they would mangle every report)', () => {
    const r = createRedactor(['abc', '1']);
    expect(r.text('abc 1')).toBe('abc 1');
  });

  test('deep copies plain objects and arrays; the input is untouched', () => {
    const r = createRedactor();
    r.add('hunter22');
    const input = { name: 'x hunter22', list: ['hunter22', 3, null], nested: { deep: ['HUNTER22!'] } };
    expect(r.value(input)).toEqual({ name: 'x ***', list: ['***', 3, null], nested: { deep: ['***!'] } });
    expect(input.name).toBe('x hunter22');
  });
});

test('secretEnvNames: every *Env option, plus the AWS and libpq secrets', () => {
  const suite = {
    drills: [
      { source: { pgdump: { decrypt: { keyEnv: 'BACKUP_KEY' } } } },
      { source: { pgbackrest: { cipherPassEnv: 'CIPHER' } } },
    ],
    notify: [{ slack: { urlEnv: 'SLACK_URL' } }],
  };
  expect(secretEnvNames(suite).sort()).toEqual([
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'BACKUP_KEY',
    'CIPHER',
    'PGDRILL_SIGNING_KEY',
    'PGPASSWORD',
    'SLACK_URL',
  ]);
});

test('createSuiteRedactor names the secrets too short to redact', () => {
  const r = createSuiteRedactor({ decrypt: { keyEnv: 'K' } }, { K: 'abc', AWS_SECRET_ACCESS_KEY: 'long-secret' });
  expect(r.tooShort).toEqual(['K']);
  expect(r.text('long-secret abc')).toBe('*** abc');
});

test('redactError redacts message, hint and details of a DrillError', () => {
  const r = createRedactor(['topsecret']);
  const error = redactError(
    new ConfigError('X', 'bad topsecret', { hint: 'set topsecret', details: ['a topsecret'] }),
    r.text,
  ) as ConfigError;
  expect([error.message, error.hint, error.details]).toEqual(['bad ***', 'set ***', ['a ***']]);
});
