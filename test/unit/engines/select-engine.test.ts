import { describe, expect, test } from 'vitest';
import { EngineError } from '../../../src/errors.js';
import type { Engine, EngineKind, ProbeResult } from '../../../src/engines/engine.js';
import { selectEngine } from '../../../src/engines/select-engine.js';

function fakeEngine(kind: EngineKind, probe: Partial<ProbeResult> | Error): Engine & { probes: number } {
  const engine = {
    kind,
    probes: 0,
    async probe(): Promise<ProbeResult> {
      engine.probes++;
      if (probe instanceof Error) throw probe;
      return { kind, usable: false, reason: 'not configured', majors: [], ...probe };
    },
    async start(): Promise<never> {
      throw new Error('fake engines do not start servers');
    },
  };
  return engine;
}

const dockerUp = () => fakeEngine('docker', { usable: true, reason: 'Docker 20.10 answers', majors: [16, 15] });
const dockerDown = () =>
  fakeEngine('docker', { usable: false, reason: 'no Docker engine answers at /var/run/docker.sock' });
const localUp = () =>
  fakeEngine('local', { usable: true, reason: 'PostgreSQL 15.18 in /usr/lib/postgresql/15/bin', majors: [15] });
const localDown = () => fakeEngine('local', { usable: false, reason: 'no PostgreSQL server binaries found' });

async function noEngine(promise: Promise<unknown>): Promise<EngineError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EngineError);
  expect(error).toMatchObject({ code: 'NO_ENGINE', domain: 'engine' });
  return error as EngineError;
}

describe('selectEngine auto', () => {
  test('takes the first usable engine and does not probe the rest', async () => {
    const local = localUp();
    const { engine, reasons } = await selectEngine('auto', [dockerUp(), local]);
    expect(engine.kind).toBe('docker');
    expect(reasons.map((r) => r.kind)).toEqual(['docker']);
    expect(local.probes).toBe(0);
  });

  test('falls through to local and keeps the reason docker was passed over', async () => {
    const { engine, reasons } = await selectEngine('auto', [dockerDown(), localUp()]);
    expect(engine.kind).toBe('local');
    expect(reasons).toEqual([
      expect.objectContaining({
        kind: 'docker',
        usable: false,
        reason: 'no Docker engine answers at /var/run/docker.sock',
      }),
      expect.objectContaining({ kind: 'local', usable: true }),
    ]);
  });

  test('a probe that throws counts as not usable, with the error as its reason', async () => {
    const { engine, reasons } = await selectEngine('auto', [
      fakeEngine('docker', new Error('socket hang up')),
      localUp(),
    ]);
    expect(engine.kind).toBe('local');
    expect(reasons[0]).toEqual({ kind: 'docker', usable: false, reason: 'probe failed: socket hang up', majors: [] });
  });

  test('when none is usable: NO_ENGINE with every reason in details', async () => {
    const error = await noEngine(selectEngine('auto', [dockerDown(), localDown()]));
    expect(error.message).toBe('no usable engine for --engine auto: tried docker, local, none is usable');
    expect(error.details).toEqual([
      'docker: no Docker engine answers at /var/run/docker.sock',
      'local: no PostgreSQL server binaries found',
    ]);
    expect(error.hint).toMatch(/pgdrill doctor/);
  });

  test('an empty list is NO_ENGINE, not a crash', async () => {
    const error = await noEngine(selectEngine('auto', []));
    expect(error.message).toBe('no auto engine is available (this build offers: none)');
  });
});

describe('selectEngine with an explicit kind', () => {
  test('uses that kind even when another comes first and is usable', async () => {
    const docker = dockerUp();
    const { engine, reasons } = await selectEngine('local', [docker, localUp()]);
    expect(engine.kind).toBe('local');
    expect(reasons.map((r) => r.kind)).toEqual(['local']);
    expect(docker.probes).toBe(0);
  });

  test('an unusable explicit kind is NO_ENGINE even when another kind would work', async () => {
    const error = await noEngine(selectEngine('local', [dockerUp(), localDown()]));
    expect(error.message).toBe('no usable engine for --engine local: tried local, none is usable');
    expect(error.details).toEqual(['local: no PostgreSQL server binaries found']);
    expect(error.hint).toMatch(/--engine auto/);
  });

  test('a kind this build does not offer is NO_ENGINE naming what it offers', async () => {
    const error = await noEngine(selectEngine('docker', [localUp()]));
    expect(error.message).toBe('no docker engine is available (this build offers: local)');
    expect(error.details).toEqual([]);
  });
});
