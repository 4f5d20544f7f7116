import { LineCounter, parseDocument, type Document } from 'yaml';
import { ConfigError } from '../errors.js';

/** A suite is a hand-written file of a few kilobytes; anything this big is a mistake or an attack. */
export const MAX_SUITE_BYTES = 4 * 1024 * 1024;
/** Far deeper than any suite nests (drills[0].checks[0].rows.where is 5 levels). */
export const MAX_SUITE_DEPTH = 64;
/** Aliases expanded while building the tree: a billion-laughs file stops here instead of eating memory. */
const MAX_ALIAS_COUNT = 100;

export interface ParsedSuiteYaml {
  doc: Document.Parsed;
  lineCounter: LineCounter;
  value: unknown;
}

/**
 * Text → YAML document → plain value, refusing hostile input with a ConfigError (exit 2) that names the
 * file and what was wrong: syntax, a huge file, an alias bomb, absurd nesting.
 */
export function parseSuiteYaml(text: string, path: string): ParsedSuiteYaml {
  refuseHugeSuite(Buffer.byteLength(text, 'utf8'), path);
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      'SUITE_INVALID',
      `${path} is not valid YAML (${doc.errors.length} problem${doc.errors.length > 1 ? 's' : ''})`,
      {
        details: doc.errors.map((e) => {
          const pos = e.linePos?.[0];
          return `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${e.message.split('\n')[0]}`;
        }),
        hint: 'fix the YAML syntax; `pgdrill validate` checks a suite without restoring anything',
      },
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // yaml throws a ReferenceError for too many aliases, and deep trees can exhaust the stack.
    const why =
      error instanceof RangeError
        ? 'it nests too deeply'
        : `its aliases expand too far (${error instanceof Error ? error.message : String(error)})`;
    throw new ConfigError('SUITE_INVALID', `${path} cannot be loaded: ${why}`, {
      hint: `write the values out, or use fewer aliases (*name); a suite may expand at most ${MAX_ALIAS_COUNT} aliases`,
    });
  }
  const depth = depthOf(value);
  if (depth > MAX_SUITE_DEPTH)
    throw new ConfigError(
      'SUITE_INVALID',
      `${path} nests ${depth} levels deep; a suite may nest at most ${MAX_SUITE_DEPTH}`,
      {
        hint: 'no suite field nests this deep: check the file is the suite you meant',
      },
    );
  return { doc, lineCounter, value };
}

export function refuseHugeSuite(bytes: number, path: string): void {
  if (bytes > MAX_SUITE_BYTES)
    throw new ConfigError(
      'SUITE_INVALID',
      `${path} is ${bytes} bytes; a suite may be at most ${MAX_SUITE_BYTES} bytes`,
      {
        hint: 'a suite lists drills and checks; split a generated one into several files (pgdrill run a.yaml b.yaml)',
      },
    );
}

/** Nesting depth of a plain value, without recursion (so a deep tree cannot overflow the stack here). */
function depthOf(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    max = Math.max(max, depth + 1);
    if (max > MAX_SUITE_DEPTH) return max;
    for (const child of Object.values(value)) stack.push([child, depth + 1]);
  }
  return max;
}
