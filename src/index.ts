/** pgdrill's public API: named re-exports only. The CLI uses nothing else. */
export { runSuites, runExitCode, type RunSuiteOptions } from './drill/run-suite.js';
export { runDrill, type RunDrillOptions } from './drill/run-drill.js';
export { loadSuite, type LoadSuiteOptions } from './suite/load-suite.js';
export { loadSuites, validateSuites, describeDrill, suiteJsonSchema } from './suite/suite-api.js';
export type { ResolvedSuite, ResolvedDrill, ResolvedCheck } from './suite/resolved-suite.js';
export type { SuiteInput } from './suite/suite-schema.js';
export {
  defineCheck,
  type CheckDefinition,
  type CheckContext,
  type CheckOutcome,
  type CheckKind,
  type Queryable,
} from './checks/check.js';
export { builtinChecks, findCheck } from './checks/index.js';
export { createLocalEngine, type LocalEngineOptions } from './engines/local/local-engine.js';
export { createDockerEngine, type DockerEngineOptions } from './engines/docker/docker-engine.js';
export { chooseImage, defaultImageRules, type ImageRule } from './engines/docker/docker-images.js';
export { diagnose, type Diagnosis } from './doctor/diagnose.js';
export {
  preflightSuites,
  type PreflightOptions,
  type PreflightResult,
  type PreflightGroup,
  type PreflightFinding,
} from './doctor/preflight-suites.js';
export type { Engine, StartedServer, ServerSpec, ProbeResult, EngineKind } from './engines/engine.js';
export { writeJUnitReport, writeJUnitLoadError } from './report/junit-reporter.js';
export { formatSummary } from './report/console-summary.js';
export { buildJsonReport, runResultFromReport, writeJsonReport, type ReportContext } from './report/json-report.js';
export { collectReportContext } from './report/json-report-context.js';
export {
  jsonReportSchema,
  reportJsonSchema,
  REPORT_SCHEMA_ID,
  REPORT_SCHEMA_VERSION,
  type JsonReport,
  type DrillReport,
} from './report/report-schema.js';
export { renderHtmlReport } from './report/evidence/html-report.js';
export { renderMarkdownReport } from './report/evidence/markdown-report.js';
export { evidenceFormatOf, writeEvidenceReport, type EvidenceFormat } from './report/evidence/write-evidence-report.js';
export { writeEvidenceFile } from './report/evidence/write-evidence-report.js';
export { findChromium, printHtmlToPdf, type PrintPdfOptions } from './report/evidence/pdf-print.js';
export { detectCiContext, type CiContext, type CiProvider } from './report/ci-context.js';
export { hashSuiteFiles, type SuiteFileHash } from './report/suite-file-hashes.js';
export { formatStepSummary, appendStepSummary } from './report/step-summary.js';
export { writeRunReports, type RunReportOptions, type WrittenReport } from './report/write-run-reports.js';
export {
  createArtifactRecorder,
  writeArtifactManifest,
  type ArtifactRecorder,
  type ArtifactManifestResult,
} from './report/artifact-manifest.js';
export { parseSigningKey } from './report/artifact-signature.js';
export { verifyArtifactManifest, type VerifyManifestResult } from './report/verify-artifact-manifest.js';
export { runDemo, type RunDemoOptions } from './demo/run-demo.js';
export { SCRATCH_S3_CHOICES, type ScratchS3Choice } from './demo/demo-s3.js';
export {
  DrillError,
  ConfigError,
  EngineError,
  StorageError,
  SourceError,
  CommandError,
  exitCodeFor,
  formatError,
  isDrillError,
} from './errors.js';
export { runAllCleanups } from './process/cleanup.js';
export { sweepLeftovers, type SweepOptions, type SweepResult } from './lifecycle/sweep-leftovers.js';
export type { DrillEvent, EmitEvent } from './events.js';
export type {
  RunResult,
  DrillResult,
  CheckResult,
  StepResult,
  BackupProvenance,
  ErrorInfo,
  Status,
} from './results.js';
export { formatSeconds, parseDuration } from './util/duration.js';
export { createRedactor, createSuiteRedactor, redactError, REDACTED, type Redactor } from './util/redact.js';
export { captureManifest, BEGIN_READ_ONLY, type CaptureManifestOptions } from './manifest/capture-manifest.js';
export { captureManifestToFile, type CaptureManifestFileOptions } from './manifest/capture-manifest-file.js';
export { snapshotSchemaToFile } from './manifest/snapshot-schema-file.js';
export { compareManifest } from './manifest/compare-manifest.js';
export type { ManifestDifference } from './manifest/manifest-difference.js';
export type { ManifestTolerances, CaptureOrder } from './manifest/manifest-tolerances.js';
export { parseManifest, manifestSchema, MANIFEST_VERSION, type Manifest } from './manifest/manifest-schema.js';
export { readManifestFile, writeManifestFile } from './manifest/manifest-file.js';
export { summarizeManifest } from './manifest/summarize-manifest.js';
export { captureSchemaSnapshot, diffSchemaSnapshots, type SchemaSnapshot } from './checks/schema-snapshot-api.js';
export { publishRun, type PublishRunOptions } from './notify/publish-run.js';
export {
  sendNotifications,
  type NotificationOutcome,
  type SendNotificationsOptions,
} from './notify/send-notifications.js';
export { buildNotificationPayload, type NotificationPayload } from './notify/notification-payload.js';
export { buildSlackMessage } from './notify/slack-message.js';
export { renderMetrics, renderMetricsPerDrill } from './report/metrics-registry.js';
export { writeMetricsTextfile } from './report/metrics-textfile.js';
export { pushMetrics } from './report/metrics-pushgateway.js';
export { toHistoryRun, type HistoryRun, type HistoryDrill } from './history/history-record.js';
export { createHistoryStore } from './history/create-history.js';
export type { HistoryStore } from './history/history-store.js';
export { readHistoryFile } from './history/file-history.js';
export { readSuiteHistory } from './history/read-history.js';
export { summarizeHistory, type DrillHistorySummary } from './history/history-summary.js';
export { formatHistory } from './history/format-history.js';
export { parseHistoryPeriod, runsInPeriod, describePeriod, type HistoryPeriod } from './history/history-period.js';
export { summarizePeriod, type PeriodSummary, type PeriodEntry } from './history/period-summary.js';
export { renderPeriodHtml } from './report/evidence/period-html.js';
export { renderPeriodMarkdown } from './report/evidence/period-markdown.js';
export { writePeriodEvidence } from './report/evidence/write-period-evidence.js';
export { isInventoryOnly, isInventoryCheck } from './drill/run-inventory.js';
export { listInventory, type ListInventoryOptions } from './inventory/list-inventory.js';
export type { BackupInventory, InventoryBackup, WalInventory } from './inventory/inventory.js';
export { initSuite, type InitSuiteOptions, type InitSuiteResult } from './init/init-suite.js';
export { parseShard, selectShard, type ShardSpec } from './fleet/shard.js';
export { parseConcurrency, runPool } from './fleet/run-pool.js';
export { mergeRunResults } from './fleet/merge-results.js';
export { readRunResultFile, parseRunResult } from './fleet/read-run-result.js';
export { createDiskBudget, type DiskBudget, type DiskGuardOptions, type DiskReservation } from './fleet/disk-budget.js';
export { estimateLogicalRestore, estimatePhysicalRestore, type RestoreEstimate } from './fleet/restore-estimate.js';
export { parseByteSize, formatBytes } from './fleet/byte-size.js';
