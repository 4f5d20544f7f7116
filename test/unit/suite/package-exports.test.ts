import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; files: string[] };
// Resolving from inside the package resolves its own name through its `exports`, as an installed copy would.
const requireHere = createRequire(join(ROOT, 'package.json'));

test.each(['suite', 'report'])(
  'pgdrill/schema/%s.schema.json resolves through the exports map and is published',
  (name) => {
    const file = requireHere.resolve(`${pkg.name}/schema/${name}.schema.json`);
    expect(file).toBe(join(ROOT, 'schema', `${name}.schema.json`));
    expect((requireHere(file) as { $schema: string }).$schema).toMatch(/^https?:\/\/json-schema\.org\//);
    expect(pkg.files).toContain('schema');
  },
);

test('the library entry point still resolves, and files outside the map stay private', () => {
  expect(requireHere.resolve(pkg.name)).toBe(join(ROOT, 'dist', 'index.js'));
  expect(() => requireHere.resolve(`${pkg.name}/dist/suite/suite-api.js`)).toThrow(
    expect.objectContaining({ code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' }),
  );
});
