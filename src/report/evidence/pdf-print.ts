import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { StorageError } from '../../errors.js';
import { registerCleanup } from '../../process/cleanup.js';

type Env = Record<string, string | undefined>;

/** Names Chromium and Chrome are installed under, searched on PATH in this order. */
const BROWSER_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome', 'chrome'];

const INSTALL_HINT =
  'install Chromium (Debian/Ubuntu: apt-get install chromium) or point PGDRILL_CHROMIUM at a Chromium or Chrome binary; or write the report as .html and print it to PDF from a browser';

/**
 * The Chromium that prints PDF reports: $PGDRILL_CHROMIUM, else $CHROME_PATH, else the first of
 * chromium, chromium-browser, google-chrome(-stable), chrome on PATH. None → REPORT_PDF_UNAVAILABLE (exit 3).
 */
export function findChromium(env: Env = process.env): string {
  for (const name of ['PGDRILL_CHROMIUM', 'CHROME_PATH']) {
    const path = env[name];
    if (!path) continue;
    if (isExecutable(path)) return path;
    throw new StorageError(
      'REPORT_PDF_UNAVAILABLE',
      `A PDF report needs Chromium; ${name} names ${path}, which is not an executable file`,
      { hint: `correct or unset ${name}; or ${INSTALL_HINT}` },
    );
  }
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const name of BROWSER_NAMES) for (const dir of dirs) if (isExecutable(join(dir, name))) return join(dir, name);
  throw new StorageError(
    'REPORT_PDF_UNAVAILABLE',
    `A PDF report needs Chromium, and none was found (looked for ${BROWSER_NAMES.join(', ')} on PATH; PGDRILL_CHROMIUM and CHROME_PATH are not set)`,
    { hint: INSTALL_HINT },
  );
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return !path.endsWith('/');
  } catch {
    return false;
  }
}

export interface PrintPdfOptions {
  env?: Env;
  /** Chromium is killed (its whole process group) after this long. @default 120000 */
  timeoutMs?: number;
}

// Headless, offline and without a profile of its own: these keep Chromium from reaching out to the network
// (updates, sync, field trials) and from leaving anything behind.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-breakpad',
  '--disable-crash-reporter',
  '--no-pdf-header-footer',
];

/**
 * Prints self-contained HTML to a PDF with Chromium headless, in a private temp dir (the page, a fresh
 * profile, the PDF) that is removed on every path. Chromium runs in its own process group, killed whole
 * on timeout, on Ctrl-C and after it exits, so no renderer or helper outlives the report.
 */
export async function printHtmlToPdf(html: string, file: string, options: PrintPdfOptions = {}): Promise<void> {
  const env = options.env ?? process.env;
  const chromium = findChromium(env);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const work = await mkdtemp(join(tmpdir(), 'pgdrill-pdf-'));
  let browser: GroupRun | undefined;
  const unregister = registerCleanup(`PDF rendering in ${work}`, async () => {
    browser?.kill();
    await rm(work, { recursive: true, force: true });
  });
  try {
    const page = join(work, 'report.html');
    const pdf = join(work, 'report.pdf');
    await writeFile(page, html);
    const args = [...CHROMIUM_ARGS, `--user-data-dir=${join(work, 'profile')}`, `--print-to-pdf=${pdf}`];
    // Only what a browser needs: none of pgdrill's secrets (storage keys, signing key) reach it.
    const browserEnv = {
      PATH: env.PATH ?? '/usr/bin:/bin',
      HOME: work,
      XDG_CONFIG_HOME: join(work, 'config'),
      XDG_CACHE_HOME: join(work, 'cache'),
      LANG: env.LANG ?? 'C.UTF-8',
      ...(env.TZ ? { TZ: env.TZ } : {}),
    };
    browser = startInGroup(chromium, [...args, pathToFileURL(page).href], browserEnv, timeoutMs);
    const exit = await browser.done;
    const header = await readHeader(pdf);
    if (exit.timedOut || exit.error || exit.code !== 0 || header !== '%PDF-') {
      const why = exit.timedOut
        ? `did not finish within ${timeoutMs} ms and was killed`
        : exit.error
          ? `could not be started (${exit.error.message})`
          : exit.code !== 0
            ? `exited with ${exit.code ?? exit.signal}`
            : `wrote ${header === undefined ? 'no PDF' : 'a file that is not a PDF'}`;
      throw new StorageError('REPORT_PDF_FAILED', `${chromium} --print-to-pdf ${why} (report ${file})`, {
        details: exit.stderr.filter((l) => !/dbus|Fontconfig/i.test(l)).slice(-10),
        hint: 'write the report as .html and print it from a browser, or run with PGDRILL_CHROMIUM set to another Chromium',
      });
    }
    await mkdir(dirname(file), { recursive: true });
    await copyFile(pdf, file);
  } finally {
    browser?.kill();
    await rm(work, { recursive: true, force: true });
    unregister();
  }
}

interface GroupExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
  timedOut: boolean;
  /** The last 200 lines of stderr. */
  stderr: string[];
}

interface GroupRun {
  /** Settles once the leader has exited and what was left of its group has been killed. */
  done: Promise<GroupExit>;
  kill(): void;
}

/** A command as the leader of its own process group, the whole group killed on timeout and after it exits. */
function startInGroup(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): GroupRun {
  const child = spawn(command, args, { detached: true, stdio: ['ignore', 'ignore', 'pipe'], env });
  let exited = false;
  let reaped = false;
  child.once('exit', () => {
    exited = true;
  });
  // While the leader runs, and once more right after it exits (its helpers: zygote, crash handler); never
  // later, when the group's number could belong to someone else.
  const kill = () => {
    if (child.pid === undefined || reaped) return;
    if (exited) reaped = true;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* the group is gone already */
    }
  };
  const stderr: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => {
    stderr.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    stderr.splice(0, Math.max(0, stderr.length - 200));
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, timeoutMs);
  const done = new Promise<Omit<GroupExit, 'timedOut' | 'stderr'>>((resolve) => {
    child.once('error', (error) => resolve({ code: null, signal: null, error }));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  }).then((exit) => {
    clearTimeout(timer);
    kill();
    return { ...exit, timedOut, stderr };
  });
  return { done, kill };
}

async function readHeader(file: string): Promise<string | undefined> {
  try {
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 0);
      return buffer.subarray(0, bytesRead).toString('latin1');
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
}
