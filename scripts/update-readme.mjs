// Keeps the README's generated parts true: the CLI help (from the built CLI) and the suite reference
// (from the suite schema's descriptions). `--check` fails when the README is stale (run in `npm test`).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { suiteJsonSchema } from '../dist/suite/suite-api.js';

const README = new URL('../README.md', import.meta.url);
const cli = (args) => execFileSync(process.execPath, ['dist/cli/main.js', ...args], { encoding: 'utf8', env: { ...process.env, COLUMNS: '110' } });

function cliHelp() {
  const parts = [['--help'], ['run', '--help'], ['demo', '--help']].map((args) => `$ pgdrill ${args.join(' ')}\n${cli(args).trimEnd()}`);
  return '```\n' + parts.join('\n\n') + '\n```';
}

function typeOf(node) {
  if (node.enum) return node.enum.map((v) => `\`${v}\``).join(' \\| ');
  if (node.const !== undefined) return `\`${node.const}\``;
  if (node.anyOf) return [...new Set(node.anyOf.map(typeOf))].join(' \\| ');
  if (node.type === 'array') return `list of ${typeOf(node.items ?? {})}`;
  if (Array.isArray(node.type)) return node.type.join(' \\| ');
  if (node.type === 'object' && node.additionalProperties && typeof node.additionalProperties === 'object') return 'map';
  return node.type ?? 'any';
}

const cell = (text) => String(text ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

function walk(node, path, rows, required = false) {
  if (path) {
    const def = node.default === undefined ? (required ? 'required' : '') : `\`${JSON.stringify(node.default)}\``;
    rows.push(`| \`${path}\` | ${typeOf(node)} | ${def} | ${cell(node.description)} |`);
  }
  const objects = node.anyOf ? node.anyOf : [node];
  for (const variant of objects) {
    if (variant.type === 'object' && variant.properties) {
      for (const [key, child] of Object.entries(variant.properties)) walk(child, path ? `${path}.${key}` : key, rows, (variant.required ?? []).includes(key));
    }
    if (variant.type === 'object' && variant.additionalProperties?.type === 'object') walk(variant.additionalProperties, `${path}.<name>`, rows);
    if (variant.type === 'array' && variant.items?.type === 'object') walk(variant.items, `${path}[]`, rows);
  }
  return rows;
}

function suiteReference() {
  const schema = suiteJsonSchema();
  return ['| field | type | default | meaning |', '|---|---|---|---|', ...walk(schema, '', [])].join('\n');
}

function replace(text, name, content) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`README.md lacks the ${start} … ${end} markers`);
  return text.slice(0, i + start.length) + '\n' + content + '\n' + text.slice(j);
}

const current = readFileSync(README, 'utf8');
const next = replace(replace(current, 'cli-help', cliHelp()), 'suite-reference', suiteReference());
if (process.argv.includes('--check')) {
  if (next !== current) {
    console.error('README.md is out of date with the CLI help or the suite schema; run: npm run docs');
    process.exit(1);
  }
} else {
  writeFileSync(README, next);
}
