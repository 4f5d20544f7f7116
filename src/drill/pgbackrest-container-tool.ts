import { isDockerEngine } from '../engines/docker/docker-engine.js';
import type { Engine } from '../engines/engine.js';
import type { StartPgbackrestContainer } from '../sources/pgbackrest/pgbackrest-container.js';

/**
 * pgBackRest of the backup's major for a backup this machine's pgBackRest cannot restore: on the docker engine,
 * the one in a container of that major's image; the local engine has none to offer.
 */
export function pgbackrestContainerFor(engine: Engine): StartPgbackrestContainer | undefined {
  return isDockerEngine(engine) ? (request) => engine.toolContainer(request) : undefined;
}
