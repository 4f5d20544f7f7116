import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { suiteJsonSchema } from '../../../src/suite/suite-api.js';

// docs/reference/suite.md is generated (npm run docs; docs:check fails when stale). This keeps its walk
// complete: every key the schema defines, at any depth, has a row.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const reference = readFileSync(join(ROOT, 'docs', 'reference', 'suite.md'), 'utf8');
const documentedPaths = [...reference.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]!);

type Node = { properties?: Record<string, Node>; anyOf?: Node[]; items?: Node; additionalProperties?: Node | boolean };
function keys(node: Node, out = new Set<string>()): Set<string> {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    out.add(key);
    keys(child, out);
  }
  for (const variant of node.anyOf ?? []) keys(variant, out);
  if (node.items) keys(node.items, out);
  if (typeof node.additionalProperties === 'object') keys(node.additionalProperties, out);
  return out;
}

test('the suite reference has a row for every key of the suite schema, stores included', () => {
  const lastSegments = new Set(documentedPaths.map((p) => p.split('.').at(-1)!.replace(/\[\]$/, '')));
  const missing = [...keys(suiteJsonSchema() as Node)].filter((key) => !lastSegments.has(key));
  expect(missing).toEqual([]);
  for (const path of [
    'storage.<name>.s3.bucket',
    'storage.<name>.s3.endpoint',
    'storage.<name>.s3.caBundle',
    'storage.<name>.filesystem.root',
    'drills[].source.pgdump.decrypt.keyEnv',
  ])
    expect(documentedPaths).toContain(path);
});
