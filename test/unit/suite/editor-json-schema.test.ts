import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { allowEnvPlaceholders } from '../../../src/suite/editor-json-schema.js';
import { interpolateEnv } from '../../../src/suite/interpolate-env.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const SCHEMA_TEXT = readFileSync(join(ROOT, 'schema', 'suite.schema.json'), 'utf8');
const EXAMPLES = readdirSync(join(ROOT, 'suites'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => ({ name: f, text: readFileSync(join(ROOT, 'suites', f), 'utf8') }));
// What the e2e test of the examples sets: every variable they use without a default.
const SUITE_ENV = {
  BACKUP_BUCKET: 'b',
  PGBACKREST_BUCKET: 'repo',
  WAL_BUCKET: 'wal',
  PGDRILL_DEMO_S3_ENDPOINT: 'https://127.0.0.1:9000',
  PGDRILL_DEMO_S3_CA: '/dev/null',
};

/** Ajv's draft-07 validator (the dialect of VS Code's YAML extension), strict: an unknown keyword is an error. */
function compileDraft07(schema: object): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
  return ajv.compile(schema);
}
const problems = (validate: ValidateFunction, value: unknown) =>
  validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

// Keywords of draft 2019-09 and 2020-12 that a draft-07 editor ignores or rejects.
const LATER_KEYWORDS = [
  '$defs',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$recursiveRef',
  'unevaluatedProperties',
  'unevaluatedItems',
  'dependentRequired',
  'dependentSchemas',
  'prefixItems',
  'minContains',
  'maxContains',
];

describe('schema/suite.schema.json', () => {
  const schema = JSON.parse(SCHEMA_TEXT) as Record<string, unknown>;
  const validate = compileDraft07(schema);

  test('is draft-07 and uses no keyword of later drafts', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const found = LATER_KEYWORDS.filter((k) => SCHEMA_TEXT.includes(`"${k}":`));
    expect(found).toEqual([]);
  });

  test.each(EXAMPLES)('suites/$name validates as written, `${VAR}` placeholders and all', ({ text }) => {
    expect(problems(validate, parse(text))).toEqual([]);
  });

  test.each(EXAMPLES)(
    'suites/$name names the schema on its first line, for VS Code and other yaml-language-server editors',
    ({ text }) => {
      const first = text.split('\n')[0]!;
      expect(first).toBe('# yaml-language-server: $schema=../schema/suite.schema.json');
      // The language server resolves the path from the suite's directory.
      expect(readFileSync(join(ROOT, 'suites', first.split('$schema=')[1]!), 'utf8')).toBe(SCHEMA_TEXT);
    },
  );

  test.each(EXAMPLES)('suites/$name validates with its variables expanded', ({ text }) => {
    const expanded = interpolateEnv(parse(text), SUITE_ENV, []);
    expect(problems(validate, expanded)).toEqual([]);
  });

  test('a placeholder passes a checked string; a value that is wrong as written still fails', () => {
    const suite = (s3: object, name = 'a') => ({
      name: 'x',
      storage: { prod: { s3: { bucket: 'b', ...s3 } } },
      drills: [{ name, source: { pgdump: { store: 'prod', prefix: 'daily/' } } }],
    });
    expect(problems(validate, suite({ endpoint: '${S3_ENDPOINT}' }, 'orders-${ENV:-prod}'))).toEqual([]);
    expect(problems(validate, suite({ endpoint: 'https://minio.internal:9000' }))).toEqual([]);
    expect(problems(validate, suite({ endpoint: 'minio internal' }))).toContain(
      '/storage/prod/s3/endpoint must match pattern "(?:^[A-Za-z][A-Za-z0-9+.-]*:\\S*$)|\\$\\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\\}"',
    );
    expect(problems(validate, suite({}, 'has space'))).not.toEqual([]);
    expect(problems(validate, suite({ maxx: 1 }))).not.toEqual([]);
  });
});

test('allowEnvPlaceholders widens patterns and formats of string values, not map keys', () => {
  const out = allowEnvPlaceholders({
    type: 'object',
    propertyNames: { type: 'string', pattern: '^[a-z]+$' },
    properties: {
      url: { type: 'string', format: 'uri', description: 'd' },
      mail: { type: 'string', format: 'email' },
      list: { type: 'array', items: { type: 'string', pattern: '^x$' } },
      pattern: { type: 'string', default: 'kept' },
    },
  });
  const validate = compileDraft07({ ...out, $schema: 'http://json-schema.org/draft-07/schema#' });
  expect(problems(validate, { url: '${U}', mail: 'x', list: ['x', 'y${V:-1}'], pattern: 'kept' })).toEqual([]);
  expect(problems(validate, { url: 'no scheme' })).toHaveLength(1);
  expect(problems(validate, { list: ['y'] })).toHaveLength(1);
  expect(problems(validate, { 'Key${K}': 'x' })).not.toEqual([]);
  expect(out.propertyNames).toEqual({ type: 'string', pattern: '^[a-z]+$' });
});
