/** A small AsyncDisposableStack (Node 20 has none): releases what was added, newest first, once. */
export class CleanupStack implements AsyncDisposable {
  #items: Array<() => Promise<void> | void> = [];
  #resources: AsyncDisposable[] = [];

  /** What was added with use(), oldest first. */
  resources(): AsyncDisposable[] {
    return [...this.#resources];
  }

  defer(fn: () => Promise<void> | void): void {
    this.#items.push(fn);
  }

  use<T extends AsyncDisposable>(resource: T): T {
    this.#resources.push(resource);
    this.#items.push(async () => {
      await resource[Symbol.asyncDispose]();
    });
    return resource;
  }

  /** Forget everything: the caller keeps the resources alive (--keep-on-failure). */
  move(): void {
    this.#items = [];
    this.#resources = [];
  }

  async [Symbol.asyncDispose](): Promise<void> {
    const errors: unknown[] = [];
    for (const fn of this.#items.reverse()) {
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#items = [];
    if (errors.length > 0) throw errors[0];
  }
}
