import { MinioContainer, type StartedMinioContainer } from '@testcontainers/minio';
import { PostgreSqlContainer } from '@testcontainers/postgresql';
import type { HostConfig } from 'dockerode';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import type { StartedPostgreSqlContainer } from '@testcontainers/postgresql';

// Restored data is production data: testcontainers publishes ports on every interface of the host, so each
// binding is narrowed to the loopback address before the container is created.
function bindToLoopback(hostConfig: HostConfig): void {
  for (const bindings of Object.values(hostConfig.PortBindings ?? {}) as Array<Array<{ HostIp?: string }>>) {
    for (const binding of bindings) binding.HostIp = '127.0.0.1';
  }
}

/** `@testcontainers/postgresql` with its published port on 127.0.0.1 only. */
export class LoopbackPostgreSqlContainer extends PostgreSqlContainer {
  override async start(): Promise<StartedPostgreSqlContainer> {
    bindToLoopback(this.hostConfig);
    return super.start();
  }
}

/** A generic container with its published ports on 127.0.0.1 only. */
export class LoopbackContainer extends GenericContainer {
  override async start(): Promise<StartedTestContainer> {
    bindToLoopback(this.hostConfig);
    return super.start();
  }
}

/** `@testcontainers/minio` with its published ports on 127.0.0.1 only. */
export class LoopbackMinioContainer extends MinioContainer {
  override async start(): Promise<StartedMinioContainer> {
    bindToLoopback(this.hostConfig);
    return super.start();
  }
}
