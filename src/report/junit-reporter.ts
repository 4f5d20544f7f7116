import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { Builder, TestCase, TestSuite } from 'junit-report-builder';
import type { BackupProvenance, CheckResult, DrillResult, ErrorInfo, RunResult, StepResult } from '../results.js';

// CommonJS whose typings declare an ES default export: require() gives the builder itself, on every loader.
const junit = createRequire(import.meta.url)('junit-report-builder') as Builder;

const BACKUP_FIELDS = ['key', 'store', 'size', 'etag', 'sha256', 'lastModified', 'format', 'producedBy', 'readRetries'];

/**
 * JUnit for CI: one <testsuite> per drill, one <testcase> per step and per check. A check that does not hold
 * is a <failure>; a step or check that could not run is an <error>. The builder computes the counts.
 */
export async function writeJUnitReport(run: RunResult, file: string): Promise<void> {
  const builder = junit.newBuilder().name(text(run.suite.name));
  const skips: string[] = [];
  for (const drill of run.drills) addDrill(builder, text(`${run.suite.name}/${drill.name}`), drill, skips);
  await writeXml(builder, file, skips);
}

/** A suite that could not even be loaded still gives CI a report that says why. */
export async function writeJUnitLoadError(files: string[], error: ErrorInfo, file: string): Promise<void> {
  const builder = junit.newBuilder().name('pgdrill');
  const suite = builder.testSuite().name('pgdrill').timestamp(new Date().toISOString()).time(0);
  addIndexed(suite, 'suite.file', files);
  suite
    .testCase()
    .className('pgdrill')
    .name('load suite')
    .time(0)
    .error(...errorParts(error));
  await writeXml(builder, file, []);
}

// `suite/drill` names both the testsuite and the classname: CI history keys on them, and two suites may share a drill name.
function addDrill(builder: Builder, id: string, drill: DrillResult, skips: string[]): void {
  const suite = builder.testSuite().name(id).timestamp(drill.startedAt).time(seconds(drill.durationMs));
  addProperties(suite, drill);
  for (const step of drill.steps) addStep(suite, id, step, skips);
  const names = new Map<string, number>();
  for (const check of drill.checks) addCheck(suite, id, check, uniqueName(names, text(stableCheckName(check))), skips);
  if (drill.error && !drill.steps.some((step) => sameError(step.error, drill.error))) {
    const testCase = suite.testCase().className(id).name('drill').time(seconds(drill.durationMs));
    const [message, code, body] = errorParts(drill.error);
    if (drill.status === 'failed') testCase.failure(message, code).stacktrace(body);
    else testCase.error(message, code, body);
  }
}

function addProperties(suite: TestSuite, drill: DrillResult): void {
  const backups = drill.backup ?? [];
  backups.forEach((backup, index) => {
    const prefix = backups.length > 1 ? `backup.${index}.` : 'backup.';
    for (const [key, value] of backupEntries(backup)) suite.property(`${prefix}${key}`, text(String(value)));
  });
  if (drill.engine) {
    suite.property('engine.kind', drill.engine.kind).property('engine.version', drill.engine.version);
    suite.property('engine.major', String(drill.engine.major));
    if (drill.engine.backupMajor !== undefined) suite.property('engine.backupMajor', String(drill.engine.backupMajor));
  }
  if (drill.restoreSeconds !== undefined) suite.property('restore.seconds', drill.restoreSeconds.toFixed(1));
  for (const [phase, value] of Object.entries(drill.timings ?? {})) suite.property(`timing.${phase}`, value.toFixed(1));
  if (drill.keptAt) suite.property('kept.at', drill.keptAt);
}

// The documented fields first, in a stable order, then whatever else the source recorded.
function backupEntries(backup: BackupProvenance): [string, string | number][] {
  const extra = Object.keys(backup).filter((key) => !BACKUP_FIELDS.includes(key));
  return [...BACKUP_FIELDS, ...extra].flatMap((key) => {
    const value = backup[key];
    return value === undefined ? [] : [[key, value] as [string, string | number]];
  });
}

function addStep(suite: TestSuite, drillName: string, step: StepResult, skips: string[]): void {
  const testCase = suite.testCase().className(drillName).name(`step: ${step.name}`).time(seconds(step.durationMs));
  const full = step.error ? `${step.error.code}: ${step.error.message}` : (step.message ?? step.status);
  const { message, body } = verdict(full, [...(step.details ?? []), ...(step.error ? errorLines(step.error) : [])]);
  if (step.status === 'failed') testCase.failure(message, step.error?.code).stacktrace(body);
  else if (step.status === 'error') testCase.error(message, step.error?.code, body);
  else if (step.status === 'skipped') skip(testCase, full, skips);
  else if (step.message) testCase.standardOutput(cdata(step.message));
}

function addCheck(suite: TestSuite, className: string, check: CheckResult, name: string, skips: string[]): void {
  const testCase: TestCase = suite.testCase().className(className).name(name).time(seconds(check.durationMs));
  // The criterion with its thresholds goes to a property, so the testcase name outlives a threshold change.
  if (text(check.name) !== name) suite.property(`check.${name}`, text(check.name));
  const full = check.status === 'failed' ? failureMessage(check) : check.message;
  const { message, body } = verdict(full, check.details ?? []);
  if (check.status === 'failed') testCase.failure(message, check.type).stacktrace(body);
  else if (check.status === 'error') testCase.error(message, check.type, body);
  else if (check.status === 'skipped') skip(testCase, check.message, skips).standardOutput(cdata(check.message));
  else testCase.standardOutput(cdata([check.name, check.message, ...(check.details ?? [])].join('\n')));
}

// Thresholds at the end of a check's label (`rows public.orders >= 1000`, `duration <= 1h`), by check type.
const THRESHOLD_TAILS: Record<string, RegExp> = {
  rows: / (?:= \S+|>= \S+(?: and <= \S+)?|<= \S+|any)$/,
  sql: / (?:= .+|>= \S+(?: and <= \S+)?|<= \S+|any|is empty|is not empty)$/,
  duration: / <= .+$/,
  freshness: / (?:backup|WAL) < .+$/,
  size: / >= .+$/,
  retention: / .+$/,
};

/** The check's name without its thresholds: `rows public.orders`, `duration`, `sql refunds present`. */
export function stableCheckName(check: Pick<CheckResult, 'name' | 'type'>): string {
  const tail = THRESHOLD_TAILS[check.type];
  return tail ? check.name.replace(tail, '') || check.type : check.name;
}

// The builder writes a bare <skipped/>; the reason is set on it in writeXml, in document order.
function skip(testCase: TestCase, reason: string, skips: string[]): TestCase {
  skips.push(attribute(reason));
  return testCase.skipped();
}

function uniqueName(seen: Map<string, number>, name: string): string {
  const n = (seen.get(name) ?? 0) + 1;
  seen.set(name, n);
  return n === 1 ? name : `${name} #${n}`;
}

/** `expected >= 1000, actual 812: public.orders has 812 rows, expected at least 1000` */
function failureMessage(check: CheckResult): string {
  const parts = [
    check.expected === undefined ? '' : `expected ${check.expected}`,
    check.actual === undefined ? '' : `actual ${check.actual}`,
  ];
  const prefix = parts.filter(Boolean).join(', ');
  return prefix ? `${prefix}: ${check.message}` : check.message;
}

/** message, type and body of an <error> or <failure> for a drill error. */
function errorParts(error: ErrorInfo): [string, string, string] {
  const { message, body } = verdict(`${error.code}: ${error.message}`, errorLines(error));
  return [message, error.code, body];
}

function errorLines(error: ErrorInfo): string[] {
  return [...(error.details ?? []), ...(error.hint ? [`hint: ${error.hint}`] : [])];
}

/**
 * The message attribute is a headline CI readers show in one line (Jenkins' summary, GitHub annotations):
 * at most MAX_MESSAGE characters. A longer one is cut there, and the whole of it opens the body instead.
 */
function verdict(full: string, lines: string[]): { message: string; body: string } {
  const message = attribute(full);
  const cut = message !== text(full).replace(/\s*\n\s*/g, ' ');
  return { message, body: cdata([...(cut ? [full] : []), ...lines].filter(Boolean).join('\n')) };
}

/** Headlines of <failure>, <error> and <skipped>: one line of printable text, at most this long. */
export const MAX_MESSAGE = 1000;

function attribute(value: string): string {
  const line = text(value).replace(/\s*\n\s*/g, ' ');
  return line.length <= MAX_MESSAGE ? line : `${line.slice(0, MAX_MESSAGE - 1)}…`;
}

// Terminal colour sequences and control characters that XML 1.0 cannot carry (tools' stderr has both).
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffe\uffff]/g;

function text(value: string): string {
  return value.replace(ANSI, '').replace(NOT_XML, '');
}

// Bodies are CDATA, which cannot contain its own terminator (xmlbuilder throws on it).
function cdata(value: string): string {
  return text(value).replaceAll(']]>', ']] >');
}

function sameError(a: ErrorInfo | undefined, b: ErrorInfo | undefined): boolean {
  return a !== undefined && b !== undefined && a.code === b.code && a.message === b.message;
}

function addIndexed(suite: TestSuite, name: string, values: string[]): void {
  values.forEach((value, index) => suite.property(values.length > 1 ? `${name}.${index}` : name, value));
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

async function writeXml(builder: Builder, file: string, reasons: string[]): Promise<void> {
  let index = 0;
  const xml = builder
    .build()
    .replace(/<skipped\/>/g, () => `<skipped message="${escapeAttribute(reasons[index++] ?? 'skipped')}"/>`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, xml, 'utf8');
}

function escapeAttribute(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('\n', '&#10;');
}
