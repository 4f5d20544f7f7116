#!/usr/bin/env node
// Start-up loads commander and a few small modules only: each command imports its module (and through it
// the AWS SDK, testcontainers, pg or the reporters) when it runs, so `--version`, `--help` and `validate`
// answer in a fraction of a second.
import { Command, Option } from 'commander';
import { DEMO_S3_CHOICES } from './cli-choices.js';
import { quietDependencyWarnings } from './quiet-warnings.js';
import { readVersion } from './version.js';

quietDependencyWarnings(process.env);

const engineOption = () =>
  new Option('--engine <kind>', 'where throwaway servers run').choices(['auto', 'local', 'docker']);

const program = new Command('pgdrill')
  .description('Prove PostgreSQL backups restore: real restores into throwaway servers, data checks, JUnit.')
  .version(readVersion())
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program
  .command('run')
  .description('restore and check every drill of the suites')
  .argument('<suite...>', 'suite files (YAML)')
  .addOption(engineOption())
  .option('--drill <name>', 'run only this drill (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
  .option(
    '--tag <tag>',
    'run only the drills with this tag (repeatable: any of them; with --drill: both must match)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .option('--only <drill>', 'the same as --drill (repeatable)', (v: string, acc: string[] = []) => [...acc, v])
  .option('--junit <file>', 'write JUnit XML')
  .option('--json <file>', 'write the JSON report (schema/report.schema.json)')
  .option(
    '--report <file>',
    'write an evidence report, .html, .md or .pdf (repeatable)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .option(
    '--manifest <file>',
    'write a SHA-256 manifest of every file written (default: SHA256SUMS beside --json); signed with PGDRILL_SIGNING_KEY',
  )
  .option('--shard <i/n>', 'run shard i of n (1-based): drill k of the suite goes to shard (k mod n) + 1')
  .option('--concurrency <n>', 'drills at once on this machine, each with its own server and directory', '1')
  .option(
    '--disk-budget <size>',
    'at most this much disk for the restores running at once (e.g. 20GiB); default: the free space',
  )
  .option('--no-disk-check', 'start restores without checking that their estimated size fits in the free disk space')
  .option('--keep-on-failure', 'leave the server and files of a failed drill for inspection')
  .option(
    '--metrics <file.prom>',
    'write Prometheus metrics for the node-exporter textfile collector (replaced atomically)',
  )
  .action(async (files: string[], flags) => {
    process.exitCode = await (await import('./commands/run-command.js')).runCommand(files, flags);
  });

program
  .command('merge-reports')
  .description('merge the JSON reports of the shards of one run into one JUnit, JSON and evidence report')
  .argument('<json...>', 'JSON reports written by `pgdrill run --shard i/n --json <file>`')
  .option('--junit <file>', 'write the merged JUnit XML')
  .option('--json <file>', 'write the merged JSON report (schema/report.schema.json)')
  .option(
    '--report <file>',
    'write a merged evidence report, .html, .md or .pdf (repeatable)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .action(async (files: string[], flags) => {
    process.exitCode = await (await import('./commands/merge-command.js')).mergeCommand(files, flags);
  });

program
  .command('validate')
  .description('check suites against the schema and rules; restores nothing')
  .argument('<suite...>')
  .action(async (files: string[]) => {
    process.exitCode = await (await import('./commands/suite-commands.js')).validateCommand(files);
  });

program
  .command('list')
  .description('list the drills and what each would restore')
  .argument('<suite...>')
  .action(async (files: string[]) => {
    process.exitCode = await (await import('./commands/suite-commands.js')).listCommand(files);
  });

program
  .command('demo')
  .description('build real backups of a fixture database on the embedded default and drill them')
  .option('--junit <file>', 'write JUnit XML', 'reports/demo.junit.xml')
  .option('--json <file>', 'write the JSON report', 'reports/demo.json')
  .option(
    '--report <file>',
    'write an evidence report, .html, .md or .pdf (repeatable; default: reports/demo.html)',
    (v: string, acc: string[] = []) => [...acc, v],
  )
  .addOption(engineOption().default('local'))
  .addOption(
    new Option(
      '--s3 <server>',
      'where the demo stores its backups: MinIO in a container (when Docker answers) or the embedded S3 server (default: auto, or PGDRILL_DEMO_S3)',
    ).choices([...DEMO_S3_CHOICES]),
  )
  .action(async (flags) => {
    process.exitCode = await (await import('./commands/demo-command.js')).demoCommand(flags);
  });

program
  .command('clean')
  .description("remove what pgdrill runs that died left behind: servers, containers, directories (never a live run's)")
  .option('--dry-run', 'list what would be removed, remove nothing')
  .action(async (flags: { dryRun?: boolean }) => {
    process.exitCode = await (await import('./commands/clean-command.js')).cleanCommand(flags);
  });

const repeatable = (v: string, acc: string[] = []) => [...acc, v];
const manifest = program
  .command('manifest')
  .description('capture what a restore of a database should bring back, for the manifest check');
manifest
  .command('capture')
  .description('read a live database in one read-only snapshot and write its manifest (JSON)')
  .requiredOption('--db <url>', 'postgresql:// URL of the database; the password from PGPASSWORD')
  .requiredOption('--out <file>', 'where to write the manifest')
  .addOption(
    new Option('--counts <how>', 'row counts: count(*) or the planner estimate')
      .choices(['exact', 'estimated'])
      .default('exact'),
  )
  .option('--timestamp <schema.table.column>', 'record the newest value of this column (repeatable)', repeatable)
  .option('--schema <name>', 'capture only this schema (repeatable); default every non-system schema', repeatable)
  .action(async (flags) => {
    process.exitCode = await (await import('./commands/manifest-command.js')).manifestCaptureCommand(flags);
  });

program
  .command('schema')
  .description('schema snapshots for the schemaDrift check')
  .command('snapshot')
  .description("read a live database's schema (read-only) and write a snapshot (JSON)")
  .requiredOption('--db <url>', 'postgresql:// URL of the database; the password from PGPASSWORD')
  .requiredOption('--out <file>', 'where to write the snapshot')
  .option('--schema <name>', 'only this schema (repeatable)', repeatable)
  .action(async (flags) => {
    process.exitCode = await (await import('./commands/schema-command.js')).schemaSnapshotCommand(flags);
  });

program
  .command('verify')
  .description('re-hash the files of an artifact manifest and check its signature (exit 1 if anything changed)')
  .argument('<manifest>', 'the manifest pgdrill run wrote (SHA256SUMS)')
  .option('--public-key <pem>', 'Ed25519 public key (PEM) to check <manifest>.sig against')
  .action(async (manifest: string, flags: { publicKey?: string }) => {
    process.exitCode = await (await import('./commands/verify-command.js')).verifyCommand(manifest, flags);
  });

program
  .command('history')
  .description(
    'per drill: when it last passed, its last status and its restore-time trend; --evidence: a period report for auditors',
  )
  .argument('[suite]', "suite file whose `history:` to read (with --from: only this suite's runs)")
  .option('--drill <name>', 'only this drill')
  .option('--last <n>', 'runs in the restore-time trend', '10')
  .option('--from <file>', "read this JSON-lines history file instead of the suite's history")
  .option('--since <date>', 'only runs that started on or after this day (2026-10-01) or ISO time')
  .option('--until <date>', 'only runs that started on or before this day (2026-12-31) or before this ISO time')
  .option(
    '--evidence <file>',
    'write the period evidence report (every drill run with its verdict), .html, .md or .pdf (repeatable)',
    repeatable,
  )
  .action(async (file: string | undefined, flags) => {
    process.exitCode = await (await import('./commands/history-command.js')).historyCommand(file, flags);
  });

program
  .command('init')
  .description('look at what a location stores and write a starter suite (inventory and restore drills) for it')
  .requiredOption('--from <location>', 's3://bucket/prefix or a local directory')
  .option('--out <file>', 'write the suite here (default: print it to stdout)')
  .option('--force', 'replace --out if it exists')
  .option('--endpoint <url>', "S3-compatible endpoint (as the s3 store's endpoint)")
  .option('--region <region>', 'S3 region', 'us-east-1')
  .option('--ca-file <pem>', 'CA certificates to trust for the endpoint')
  .option('--name <name>', "the suite's name (default: the --out file's name)")
  .action(async (flags) => {
    process.exitCode = await (await import('./commands/init-command.js')).initCommand(flags);
  });

program
  .command('doctor')
  .description(
    'which engines, binaries, versions and extensions are usable here, and why not; with suites, a preflight of everything their drills need (restores nothing)',
  )
  .argument('[suite...]', 'suite files to preflight: env vars, stores, backups, majors and images, tools')
  .addOption(engineOption())
  .option('--json', 'print the findings as JSON')
  .action(async (files: string[], flags: { engine?: 'auto' | 'local' | 'docker'; json?: boolean }) => {
    process.exitCode = await (await import('./commands/doctor-command.js')).doctorCommand(files, flags);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  (await import('./print-error.js')).printError(error);
  process.exitCode = 70;
}

// Node exits with 13 when the event loop empties while a top-level await is pending: a pgdrill bug
// (a promise that never settles), which must not pass silently.
process.on('exit', (code) => {
  if (code === 13) {
    process.stderr.write(
      'pgdrill: internal error: stopped with work still pending (a promise never settled); please report this\n',
    );
    process.exitCode = 70;
  }
});
