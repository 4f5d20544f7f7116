import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

// deploy/runner/Dockerfile cannot be built here (no registry): it is parsed, and the rules a user relies on
// are checked instruction by instruction.
const ROOT = join(import.meta.dirname, '..', '..', '..');
const DOCKERFILE = join(ROOT, 'deploy', 'runner', 'Dockerfile');

interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order: comments dropped, `\` continuations joined. */
function parseDockerfile(text: string): Instruction[] {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && current === '')) continue;
    current += (current ? ' ' : '') + line.replace(/\\$/, '').trim();
    if (!line.endsWith('\\')) {
      if (current) logical.push(current);
      current = '';
    }
  }
  return logical.map((l) => {
    const [op, ...rest] = l.split(/\s+/);
    return { op: op!.toUpperCase(), args: rest.join(' ') };
  });
}

const load = async () => {
  const text = await readFile(DOCKERFILE, 'utf8');
  return { text, steps: parseDockerfile(text) };
};
/** ARG defaults declared before the first FROM (the ones a FROM line can use). */
const globalArgs = (steps: Instruction[]) =>
  Object.fromEntries(
    steps
      .slice(
        0,
        steps.findIndex((s) => s.op === 'FROM'),
      )
      .filter((s) => s.op === 'ARG')
      .map((s) => s.args.split('=') as [string, string]),
  );
const expand = (ref: string, args: Record<string, string>) =>
  ref.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string, b: string) => args[a ?? b] ?? `<${a ?? b} unset>`);

describe('the runner image Dockerfile', () => {
  it('builds FROM the official postgres image, its major an ARG', async () => {
    const { steps } = await load();
    const args = globalArgs(steps);
    expect(args.PG_MAJOR).toMatch(/^1[5-9]$/);
    const froms = steps.filter((s) => s.op === 'FROM');
    const final = froms.at(-1)!.args.split(/\s+/)[0]!;
    expect(final).toMatch(/^postgres:\$\{PG_MAJOR\}(-[a-z]+|-\$\{DEBIAN_SUITE\})?$/);
    expect(expand(final, args)).toMatch(/^postgres:\d+-(bookworm|trixie)$/);
  });

  it('pins every base image to a tag: official images only, never latest or untagged', async () => {
    const { steps } = await load();
    const args = globalArgs(steps);
    for (const from of steps.filter((s) => s.op === 'FROM')) {
      const image = expand(from.args.split(/\s+/)[0]!, args);
      expect(image, from.args).not.toMatch(/unset/);
      expect(image, from.args).toMatch(/^[a-z0-9-]+:[\w.-]+$/); // a Docker Hub library image with a tag
      expect(image, from.args).not.toMatch(/:latest$|[:-]latest\b/);
    }
    const copies = steps.filter((s) => s.op === 'COPY' && s.args.startsWith('--from='));
    const stages = steps
      .filter((s) => s.op === 'FROM')
      .map((s) => / AS (\S+)$/i.exec(s.args)?.[1])
      .filter(Boolean);
    for (const copy of copies) expect(stages, copy.args).toContain(/--from=(\S+)/.exec(copy.args)![1]);
  });

  it('installs pgdrill at the package version, Node from the official node image, pgBackRest and barman-cloud with apt', async () => {
    const { steps } = await load();
    const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(steps.find((s) => s.op === 'ARG' && s.args.startsWith('PGDRILL_VERSION='))?.args).toBe(
      `PGDRILL_VERSION=${version}`,
    );
    expect(steps.find((s) => s.op === 'FROM')!.args).toMatch(/^node:\$\{NODE_MAJOR\}-\$\{DEBIAN_SUITE\}-slim AS node$/);
    expect(Number(globalArgs(steps).NODE_MAJOR)).toBeGreaterThanOrEqual(22);
    const runs = steps
      .filter((s) => s.op === 'RUN')
      .map((s) => s.args)
      .join('\n');
    expect(runs).toMatch(/apt-get install -y --no-install-recommends [^;]*\bpgbackrest\b[^;]*\bbarman-cli-cloud\b/);
    expect(runs).toMatch(/npm install --global [^;]*"\$PGDRILL_PACKAGE"/);
    expect(steps.find((s) => s.op === 'ARG' && s.args.startsWith('PGDRILL_PACKAGE='))?.args).toBe(
      'PGDRILL_PACKAGE=pgdrill@${PGDRILL_VERSION}',
    );
    expect(runs).not.toMatch(/nodesource|curl[^;|]*\|\s*(ba)?sh/i);
  });

  it('runs as a non-root numeric user with pgdrill as the entry point and SIGTERM to stop it', async () => {
    const { steps } = await load();
    const users = steps.filter((s) => s.op === 'USER');
    expect(users.at(-1)!.args).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    const lastIndex = (op: string) => steps.map((s) => s.op).lastIndexOf(op);
    expect(lastIndex('USER')).toBeGreaterThan(lastIndex('RUN'));
    expect(JSON.parse(steps.find((s) => s.op === 'ENTRYPOINT')!.args)).toEqual(['pgdrill']);
    expect(steps.find((s) => s.op === 'STOPSIGNAL')?.args).toBe('SIGTERM');
  });

  it('names its air-gapped equivalent and the image name the Kubernetes manifests use', async () => {
    const { text } = await load();
    const header = text
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join('\n');
    expect(header).toContain('scripts/build-images.sh --runner');
    const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(header).toContain(`docker build -t pgdrill-runner:${version}`);
  });

  it("the Kubernetes pods run as the image's user, with the image it builds", async () => {
    const { steps } = await load();
    const [uid, gid] = steps
      .filter((s) => s.op === 'USER')
      .at(-1)!
      .args.split(':')
      .map(Number);
    const version = (JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    const k8s = join(ROOT, 'deploy', 'kubernetes');
    let pods = 0;
    for (const file of (await readdir(k8s)).filter((f) => f.endsWith('.yaml'))) {
      const doc = parse(await readFile(join(k8s, file), 'utf8'));
      const pod = doc?.spec?.template?.spec ?? doc?.spec?.jobTemplate?.spec?.template?.spec;
      if (!pod) continue;
      expect(pod.securityContext, file).toMatchObject({ runAsUser: uid, runAsGroup: gid ?? uid });
      for (const c of pod.containers) expect(c.image, file).toBe(`pgdrill-runner:${version}`);
      pods++;
    }
    expect(pods).toBe(3);
  });
});
