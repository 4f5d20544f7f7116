import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { isDockerEngine } from '../engines/docker/docker-engine.js';
import type { Engine } from '../engines/engine.js';
import { findInstallations } from '../engines/local/find-installations.js';
import { EngineError } from '../errors.js';
import type { CombineTool } from '../sources/basebackup/incremental-combine.js';

/**
 * pg_combinebackup of exactly the chain's major (an older or newer one refuses the backups): this machine's when
 * it has that major, else (docker engine) one in a throwaway container of that major's image, running as the
 * server's user with the extracted backups mounted read-only and the data directory read-write.
 */
export function combineToolFor(engine: Engine, binDir?: string): CombineTool {
  return async ({ major, inputs, output, runAs }) => {
    for (const installation of await findInstallations({ binDir })) {
      const file = join(installation.binDir, 'pg_combinebackup');
      if (installation.major === major && (await executable(file)))
        return { file, args: [], where: `pg_combinebackup ${major} in ${installation.binDir}`, ...runAs };
    }
    if (isDockerEngine(engine)) {
      const command = await engine.toolCommand('pg_combinebackup', major, inputs, {
        writePaths: [output],
        user: runAs,
      });
      if (command.major === major) return command;
      throw notInstalled(major, `the Docker engine has no image of PostgreSQL ${major} (nearest: ${command.image})`);
    }
    throw notInstalled(major, `the ${engine.kind} engine uses this machine's binaries`);
  };
}

function notInstalled(major: number, why: string): EngineError {
  return new EngineError(
    'POSTGRES_MAJOR_NOT_INSTALLED',
    `combining a PostgreSQL ${major} incremental chain needs pg_combinebackup ${major}: this machine has none, and ${why}`,
    {
      hint: `install postgresql-${major} (pg_combinebackup comes with it), or use the docker engine with the image postgres:${major} (or pgdrill/postgres:${major} from scripts/build-images.sh --majors=${major})`,
    },
  );
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
