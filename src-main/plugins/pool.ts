// Warm plugin instances, keyed by runtime + bundle hash + account: the bundle stays
// compiled and evaluated between calls, and an instance never serves another account
// (module state is per account). LRU-bounded; calls on one instance run one at a time.
import type { PluginInstance } from './runtime/types.ts';

interface Entry {
  instance: Promise<PluginInstance>;
  /** Tail of the queue of calls on this instance. */
  tail: Promise<unknown>;
}

export class InstancePool {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;

  constructor(max = 32) {
    this.max = max;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Runs `use` on the warm instance for `key`, creating it with `create` if needed. */
  async run<T>(key: string, create: () => Promise<PluginInstance>, use: (i: PluginInstance) => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, entry);
    } else {
      const instance = create();
      entry = { instance, tail: Promise.resolve() };
      this.entries.set(key, entry);
      instance.catch(() => this.drop(key, entry!));
      this.evict();
    }
    const current = entry;
    const result = current.tail.then(async (): Promise<T> => {
      const instance = await current.instance;
      if (!instance.usable) {
        // Broke while idle (its V8 process died, say): replace it and run there.
        this.drop(key, current);
        return this.run(key, create, use);
      }
      try {
        return await use(instance);
      } finally {
        if (!instance.usable) this.drop(key, current);
      }
    });
    current.tail = result.catch(() => {});
    return result;
  }

  private drop(key: string, entry: Entry): void {
    if (this.entries.get(key) === entry) this.entries.delete(key);
    void entry.tail.finally(() => entry.instance.then((i) => i.dispose(), () => {}));
  }

  private evict(): void {
    while (this.entries.size > this.max) {
      const [key, entry] = this.entries.entries().next().value!;
      this.drop(key, entry);
    }
  }

  /** Drops one account's warm instances of a bundle (uninstalled or replaced there); other accounts keep theirs. */
  forgetBundle(hash: string, accountId: string): void {
    const suffix = `|${hash}|${accountId}`;
    for (const [key, entry] of [...this.entries]) if (key.endsWith(suffix)) this.drop(key, entry);
  }

  clear(): void {
    for (const [key, entry] of [...this.entries]) this.drop(key, entry);
  }
}
