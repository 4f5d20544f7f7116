import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

// The Kubernetes manifests against the "restricted" Pod Security Standard (no cluster here: the fields the
// admission check reads, in every pod template of every manifest), and the storage set-up that goes with it.
const K8S = join(import.meta.dirname, '..', '..', '..', 'deploy', 'kubernetes');
type Doc = Record<string, any>;

async function manifests(): Promise<Array<{ file: string; doc: Doc }>> {
  const files = (await readdir(K8S)).filter((f) => f.endsWith('.yaml')).sort();
  const out: Array<{ file: string; doc: Doc }> = [];
  for (const file of files) {
    const docs = parseAllDocuments(await readFile(join(K8S, file), 'utf8'));
    if (!Array.isArray(docs)) throw new Error(`${file}: no YAML documents`);
    for (const parsed of docs) {
      expect(
        parsed.errors.map((e) => e.message),
        file,
      ).toEqual([]);
      out.push({ file, doc: parsed.toJS() as Doc });
    }
  }
  return out;
}

/** Every pod spec inside a manifest (Job, CronJob, or anything else holding `containers`), with its path. */
function podSpecs(node: unknown, path = ''): Array<{ path: string; pod: Doc }> {
  if (node === null || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap((n, i) => podSpecs(n, `${path}[${i}]`));
  const obj = node as Doc;
  if (Array.isArray(obj.containers)) return [{ path, pod: obj }];
  return Object.entries(obj).flatMap(([k, v]) => podSpecs(v, path ? `${path}.${k}` : k));
}

// The volume types the restricted profile allows.
const ALLOWED_VOLUMES = [
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
];

describe('Kubernetes manifests pass the "restricted" Pod Security Standard', () => {
  it('finds the three pod templates (drill Job, drill CronJob, merge CronJob)', async () => {
    const pods = (await manifests()).flatMap(({ file, doc }) => podSpecs(doc).map((p) => `${file}:${p.path}`));
    expect(pods.sort()).toEqual([
      'drill-cronjob.yaml:spec.jobTemplate.spec.template.spec',
      'drill-job.yaml:spec.template.spec',
      'merge-cronjob.yaml:spec.jobTemplate.spec.template.spec',
    ]);
  });

  it('every pod runs as a non-root uid/gid with the RuntimeDefault seccomp profile and nothing of the host', async () => {
    for (const { file, doc } of await manifests())
      for (const { pod } of podSpecs(doc)) {
        const sc = pod.securityContext ?? {};
        expect(sc.runAsNonRoot, file).toBe(true);
        for (const id of ['runAsUser', 'runAsGroup', 'fsGroup']) {
          expect(Number.isInteger(sc[id]), `${file} ${id}`).toBe(true);
          expect(sc[id], `${file} ${id}`).toBeGreaterThan(0);
        }
        expect(sc.seccompProfile, file).toEqual({ type: 'RuntimeDefault' });
        for (const key of ['hostNetwork', 'hostPID', 'hostIPC', 'hostUsers'])
          expect(pod[key] === true, `${file} ${key}`).toBe(false);
        for (const volume of (pod.volumes ?? []) as Doc[]) {
          const kinds = Object.keys(volume).filter((k) => k !== 'name');
          expect(
            kinds.every((k) => ALLOWED_VOLUMES.includes(k)),
            `${file} volume ${volume.name}: ${kinds}`,
          ).toBe(true);
        }
      }
  });

  it('every container drops all capabilities, cannot escalate, is not privileged and has a read-only root file system', async () => {
    let containers = 0;
    for (const { file, doc } of await manifests())
      for (const { pod } of podSpecs(doc))
        for (const container of [
          ...pod.containers,
          ...(pod.initContainers ?? []),
          ...(pod.ephemeralContainers ?? []),
        ] as Doc[]) {
          const where = `${file} ${container.name}`;
          const sc = container.securityContext ?? {};
          expect(sc.allowPrivilegeEscalation, where).toBe(false);
          expect(sc.capabilities?.drop, where).toEqual(['ALL']);
          expect(sc.capabilities?.add ?? [], where).toEqual([]);
          expect(sc.privileged === true, where).toBe(false);
          expect(sc.runAsNonRoot === false || sc.runAsUser === 0, where).toBe(false);
          expect(sc.readOnlyRootFilesystem, where).toBe(true);
          for (const port of (container.ports ?? []) as Doc[]) expect(port.hostPort, where).toBeUndefined();
          containers++;
        }
    expect(containers).toBe(3);
  });

  it('everywhere a pod writes is a writable volume: /tmp, HOME, TMPDIR (the work dir) and the results', async () => {
    for (const { file, doc } of await manifests())
      for (const { pod } of podSpecs(doc))
        for (const container of pod.containers as Doc[]) {
          const env = Object.fromEntries(((container.env ?? []) as Doc[]).map((e) => [e.name, e.value]));
          const writable = ((container.volumeMounts ?? []) as Doc[])
            .filter((m) => m.readOnly !== true)
            .map((m) => m.mountPath as string);
          const under = (path: string) => writable.some((m) => path === m || path.startsWith(`${m}/`));
          for (const path of ['/tmp', env.HOME, env.TMPDIR ?? '/tmp', env.RESULTS_DIR].filter(
            (p): p is string => p !== undefined,
          ))
            expect(under(path), `${file} ${container.name}: ${path} is not on a writable volume (${writable})`).toBe(
              true,
            );
          // The emptyDirs are bounded: a runaway restore is evicted, it does not fill the node.
          for (const volume of (pod.volumes ?? []) as Doc[])
            if (volume.emptyDir) expect(volume.emptyDir.sizeLimit, `${file} ${volume.name}`).toMatch(/^\d+[MG]i$/);
        }
  });

  it('the namespace enforces the restricted profile, and kustomization puts everything in it', async () => {
    const all = await manifests();
    const namespace = all.find((m) => m.doc.kind === 'Namespace')!;
    expect(namespace.doc.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
    const kustomization = all.find((m) => m.file === 'kustomization.yaml')!.doc;
    expect(kustomization.namespace).toBe(namespace.doc.metadata.name);
    expect(kustomization.resources).toContain(namespace.file);
    const secret = all.find((m) => m.file === 'credentials-secret.example.yaml')!.doc;
    expect(secret.metadata.namespace).toBe(namespace.doc.metadata.name);
  });

  it('the results volume is ReadWriteOnce, and the drill pods of a run share a node for it', async () => {
    const all = await manifests();
    const pvc = all.find((m) => m.doc.kind === 'PersistentVolumeClaim')!.doc;
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    for (const file of ['drill-job.yaml', 'drill-cronjob.yaml']) {
      const { pod } = podSpecs(all.find((m) => m.file === file)!.doc)[0]!;
      const [term] = pod.affinity.podAffinity.requiredDuringSchedulingIgnoredDuringExecution as [Doc];
      expect(term.topologyKey).toBe('kubernetes.io/hostname');
      // The first pod must match its own selector, or it could never be scheduled.
      const podLabels = (
        all.find((m) => m.file === file)!.doc.spec.template ??
        all.find((m) => m.file === file)!.doc.spec.jobTemplate.spec.template
      ).metadata.labels;
      expect(podLabels).toMatchObject(term.labelSelector.matchLabels);
    }
  });
});
