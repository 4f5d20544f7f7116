/**
 * Process-wide registry of live resources (servers, temp dirs, child processes). Normal paths release
 * them through `await using`; this registry is the backstop for SIGINT/SIGTERM, when the CLI calls
 * `runAllCleanups()` before exiting so that nothing outlives pgdrill.
 */
type Cleanup = () => Promise<void> | void;

const cleanups = new Map<number, { label: string; fn: Cleanup }>();
let nextId = 1;

/** Register a cleanup; the returned function unregisters it (call it once the resource is released). */
export function registerCleanup(label: string, fn: Cleanup): () => void {
  const id = nextId++;
  cleanups.set(id, { label, fn });
  return () => {
    cleanups.delete(id);
  };
}

/** Run every registered cleanup, newest first (servers before the dirs that hold them). */
export async function runAllCleanups(): Promise<string[]> {
  const failures: string[] = [];
  const entries = [...cleanups.entries()].reverse();
  cleanups.clear();
  for (const [, { label, fn }] of entries) {
    try {
      await fn();
    } catch (error) {
      failures.push(`${label}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return failures;
}

export function pendingCleanups(): string[] {
  return [...cleanups.values()].map((c) => c.label);
}
