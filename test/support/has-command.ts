import { execFileSync } from 'node:child_process';

/** Whether `command --version` runs here (for tests that skip, saying why, without a tool). */
export function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
