import { existsSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';

const INSTALLED_SCHEMA = join('node_modules', 'pgdrill', 'schema', 'suite.schema.json');

/**
 * The first line of a suite pgdrill init writes: `# yaml-language-server: $schema=<path>`, which VS Code's
 * YAML extension (and other editors on yaml-language-server) read to complete and check the suite.
 *
 * Why a path into node_modules and not a URL: the README installs pgdrill with `npm install --save-dev
 * pgdrill`, which puts the schema of exactly the installed version at node_modules/pgdrill/schema/, so
 * the editor checks against the version that runs the suite, offline, and so does everyone who clones
 * the repository and runs `npm install`. The language server resolves a relative path from the suite
 * file's directory, so the path is relative to it: `./node_modules/…` beside package.json, `../node_modules/…`
 * for a suite in a subdirectory. It points at the nearest node_modules above `suiteDir` that holds pgdrill;
 * when none does (pgdrill run through npx or installed globally), at the one `npm install` would create
 * beside the nearest package.json, else beside the suite.
 */
export function schemaModeline(suiteDir: string, exists: (path: string) => boolean = existsSync): string {
  let projectDir: string | undefined;
  let installedIn: string | undefined;
  for (let dir = suiteDir; ; dir = dirname(dir)) {
    if (exists(join(dir, INSTALLED_SCHEMA))) {
      installedIn = dir;
      break;
    }
    projectDir ??= exists(join(dir, 'package.json')) ? dir : undefined;
    if (dirname(dir) === dir) break;
  }
  const path = relative(suiteDir, join(installedIn ?? projectDir ?? suiteDir, INSTALLED_SCHEMA))
    .split(sep)
    .join('/');
  return `# yaml-language-server: $schema=${path.startsWith('../') ? path : `./${path}`}`;
}
