import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadSuites } from '../../../src/suite/suite-api.js';

// No cluster and no GitHub here: the templates are parsed, their key fields checked, and the suite they
// ship validated by pgdrill itself. test/integration/fleet runs their shell commands with the real CLI.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const K8S = join(ROOT, 'deploy', 'kubernetes');
type Doc = Record<string, any>;

async function load(file: string): Promise<Doc> {
  const docs = parseAllDocuments(await readFile(file, 'utf8'));
  if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
  for (const doc of docs)
    expect(
      doc.errors.map((e) => e.message),
      file,
    ).toEqual([]);
  expect(docs).toHaveLength(1);
  return docs[0]!.toJS() as Doc;
}

const version = async () =>
  (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const envOf = (container: Doc) =>
  Object.fromEntries((container.env as Doc[]).map((e) => [e.name, e.value ?? e.valueFrom]));

describe('Kubernetes manifests', () => {
  it('every file parses, and kustomization lists files that exist', async () => {
    const files = (await readdir(K8S)).filter((f) => f.endsWith('.yaml'));
    expect(files.sort()).toEqual([
      'credentials-secret.example.yaml',
      'drill-cronjob.yaml',
      'drill-job.yaml',
      'kustomization.yaml',
      'merge-cronjob.yaml',
      'namespace.yaml',
      'results-pvc.yaml',
      'suite-configmap.yaml',
    ]);
    for (const file of files) await load(join(K8S, file));
    const kustomization = await load(join(K8S, 'kustomization.yaml'));
    for (const resource of kustomization.resources as string[]) expect(files).toContain(resource);
    expect(kustomization.resources).not.toContain('credentials-secret.example.yaml');
  });

  it('the drill Job is indexed: shard = JOB_COMPLETION_INDEX + 1 of SHARDS = completions = parallelism', async () => {
    const job = await load(join(K8S, 'drill-job.yaml'));
    expect(job).toMatchObject({ apiVersion: 'batch/v1', kind: 'Job', spec: { completionMode: 'Indexed' } });
    const pod = job.spec.template.spec;
    const container = pod.containers[0];
    const env = envOf(container);
    expect(job.spec.completions).toBe(Number(env.SHARDS));
    expect(job.spec.parallelism).toBe(job.spec.completions);
    expect(pod.restartPolicy).toBe('Never');
    const script = container.args.join('\n') as string;
    expect(script).toContain('shard=$((JOB_COMPLETION_INDEX + 1))');
    expect(script).toMatch(/pgdrill run "\$SUITE" --shard "\$shard\/\$SHARDS"/);
    expect(script).toContain('--json "$out/shard-$shard.json"');
    expect(env.RUN_ID).toEqual({ fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } });
    expect(job.spec.podFailurePolicy.rules[0]).toMatchObject({
      action: 'FailIndex',
      onExitCodes: { containerName: container.name, values: expect.arrayContaining([1, 2]) },
    });
    expect(container.image).toBe(`pgdrill-runner:${await version()}`);
    // The suite from the ConfigMap, credentials from the Secret, results on the volume, temp files on the work volume.
    expect(container.envFrom).toEqual([{ secretRef: { name: 'pgdrill-credentials' } }]);
    const volumes = Object.fromEntries((pod.volumes as Doc[]).map((v) => [v.name, v]));
    const mounts = Object.fromEntries((container.volumeMounts as Doc[]).map((m) => [m.name, m.mountPath]));
    expect(env.SUITE).toBe(`${mounts.suite}/suite.yaml`);
    expect(volumes.suite.configMap.name).toBe((await load(join(K8S, 'suite-configmap.yaml'))).metadata.name);
    expect(env.RESULTS_DIR).toBe(mounts.results);
    expect(volumes.results.persistentVolumeClaim.claimName).toBe(
      (await load(join(K8S, 'results-pvc.yaml'))).metadata.name,
    );
    expect(env.TMPDIR).toBe(mounts.work);
    expect(volumes.work.emptyDir.sizeLimit).toBe('50Gi');
    expect(env.DISK_BUDGET).toBe('45GiB');
  });

  it("the weekly CronJob runs exactly the Job's spec", async () => {
    const [job, cron] = [await load(join(K8S, 'drill-job.yaml')), await load(join(K8S, 'drill-cronjob.yaml'))];
    expect(cron).toMatchObject({ kind: 'CronJob', spec: { schedule: '17 3 * * 1', concurrencyPolicy: 'Forbid' } });
    expect(cron.spec.jobTemplate.spec).toEqual(job.spec);
  });

  it('the merge CronJob merges one run directory with the same image and volume', async () => {
    const merge = await load(join(K8S, 'merge-cronjob.yaml'));
    const pod = merge.spec.jobTemplate.spec.template.spec;
    expect(pod.containers[0].image).toBe(`pgdrill-runner:${await version()}`);
    expect(pod.containers[0].args.join('\n')).toMatch(
      /pgdrill merge-reports "\$dir"\/shard-\*\.json --junit "\$dir\/merged\.junit\.xml" --json "\$dir\/merged\.json"/,
    );
    expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe('pgdrill-results');
  });

  it("the example Secret holds placeholders only, and the ConfigMap's suite is valid", async () => {
    const secret = await load(join(K8S, 'credentials-secret.example.yaml'));
    expect(new Set(Object.values(secret.stringData))).toEqual(new Set(['REPLACE_ME']));
    const dir = await mkdtemp(join(tmpdir(), 'pgdrill-k8s-suite-'));
    try {
      const file = join(dir, 'suite.yaml');
      await writeFile(file, (await load(join(K8S, 'suite-configmap.yaml'))).data['suite.yaml']);
      const [suite] = await loadSuites([file], { env: {} });
      expect(suite!.drills.map((d) => d.name)).toEqual(['orders-latest', 'billing-latest']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('GitHub Actions template', () => {
  const file = join(ROOT, '.github', 'workflows', 'restore-drill-shards.yml');

  it("fans the suite out over a matrix of shards and uploads each shard's results", async () => {
    const workflow = await load(file);
    const drill = workflow.jobs.drill;
    expect(drill.strategy['fail-fast']).toBe(false);
    expect(drill.strategy.matrix.shard).toEqual([1, 2, 3, 4]);
    const run = (drill.steps as Doc[]).find((s) => typeof s.run === 'string' && s.run.startsWith('pgdrill run'))!;
    expect(run.env.SHARD).toBe('${{ matrix.shard }}/${{ strategy.job-total }}');
    expect(run.run).toContain('--shard "$SHARD"');
    expect(run.run).toMatch(/--json "\$RESULT\.json" --junit "\$RESULT\.junit\.xml"/);
    const upload = (drill.steps as Doc[]).find((s) => String(s.uses).startsWith('actions/upload-artifact'))!;
    expect(upload.if).toBe('always()');
    expect(upload.with.name).toBe('restore-drill-shard-${{ matrix.shard }}');
  });

  it('merges every shard, publishes the JUnit as a check and uploads the merged reports', async () => {
    const workflow = await load(file);
    const merge = workflow.jobs.merge;
    expect(merge.needs).toBe('drill');
    expect(merge.if).toMatch(/always\(\)/);
    const steps = merge.steps as Doc[];
    const download = steps.find((s) => String(s.uses).startsWith('actions/download-artifact'))!;
    expect(download.with).toMatchObject({ pattern: 'restore-drill-shard-*', 'merge-multiple': true });
    expect(
      steps.find((s) => typeof s.run === 'string' && s.run.startsWith('pgdrill merge-reports shards/shard-*.json')),
    ).toBeDefined();
    const publish = steps.find((s) => String(s.uses).startsWith('mikepenz/action-junit-report'))!;
    expect(publish.with.report_paths).toBe('reports/restore-drills.junit.xml');
    expect(workflow.permissions.checks).toBe('write');
    expect(steps.filter((s) => String(s.uses).startsWith('actions/upload-artifact'))).toHaveLength(1);
  });

  it('passes secrets through the environment only, never inside a script', async () => {
    const workflow = await load(file);
    const steps = Object.values(workflow.jobs as Record<string, Doc>).flatMap((job) => job.steps as Doc[]);
    for (const step of steps) if (step.run) expect(step.run).not.toMatch(/\$\{\{/);
    const secretEnv = steps
      .flatMap((s) => Object.values((s.env ?? {}) as Record<string, string>))
      .filter((v) => v.includes('secrets.'));
    expect(secretEnv.length).toBeGreaterThanOrEqual(3);
  });
});
