import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';

type Node = Record<string, unknown>;
const SCHEMA_FILE = join(import.meta.dirname, '..', '..', '..', 'schema', 'suite.schema.json');

const described = (node: Node) => typeof node.description === 'string' && node.description.trim() !== '';

/**
 * Every property of every object in a JSON Schema (through items, maps, unions and definitions), and every
 * list item that is an object (the reference lists it as `drills[]`), that has no description: by path.
 */
function propertiesWithoutDescription(root: Node): string[] {
  const missing: string[] = [];
  const visit = (node: unknown, path: string): void => {
    if (node === null || typeof node !== 'object') return;
    const n = node as Node;
    for (const [key, child] of Object.entries((n.properties as Record<string, Node> | undefined) ?? {})) {
      const at = path ? `${path}.${key}` : key;
      if (!described(child)) missing.push(at);
      visit(child, at);
    }
    for (const keyword of ['anyOf', 'oneOf', 'allOf'] as const)
      for (const branch of (n[keyword] as unknown[] | undefined) ?? []) visit(branch, path);
    for (const item of Array.isArray(n.items) ? n.items : n.items === undefined ? [] : [n.items]) {
      if (item !== null && typeof item === 'object' && (item as Node).properties && !described(item as Node))
        missing.push(`${path}[]`);
      visit(item, `${path}[]`);
    }
    if (typeof n.additionalProperties === 'object') visit(n.additionalProperties, `${path}.<name>`);
    for (const keyword of ['definitions', '$defs'] as const)
      for (const [name, def] of Object.entries((n[keyword] as Record<string, unknown> | undefined) ?? {}))
        visit(def, `#/${keyword}/${name}`);
  };
  visit(root, '');
  return missing;
}

test('every property and object list item of the written suite schema has a description (editors show it on hover)', () => {
  const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as Node;
  expect(typeof schema.description).toBe('string');
  expect(propertiesWithoutDescription(schema)).toEqual([]);
});

test('the walk finds properties without a description wherever they nest', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'string', description: 'described' },
      b: { type: 'string' },
      list: { type: 'array', description: 'x', items: { type: 'object', properties: { c: { type: 'number' } } } },
      map: {
        type: 'object',
        description: 'x',
        additionalProperties: { anyOf: [{ type: 'object', properties: { d: {} } }] },
      },
    },
  };
  expect(propertiesWithoutDescription(schema)).toEqual(['b', 'list[]', 'list[].c', 'map.<name>.d']);
});
