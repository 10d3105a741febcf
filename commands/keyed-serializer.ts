/**
 * Runs the tasks of one key one after another, and tasks of different keys side by side. In front of
 * the command handler it makes one process's commands on one account wait their turn instead of racing
 * each other on the stream's expected revision (and losing after a bounded number of rounds): only
 * commands from different processes still contend.
 */
export const KEYED_QUEUE_DEPTH_MAX = 256; // waiting tasks per key; beyond it the caller is told to slow down

export type Serialized<T> = { readonly kind: 'ran'; readonly value: T } | { readonly kind: 'queue_full' };

export class KeyedSerializer {
  private readonly queues = new Map<string, { tail: Promise<void>; depth: number }>();

  constructor(private readonly depthMax: number = KEYED_QUEUE_DEPTH_MAX) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<Serialized<T>> {
    const queue = this.queues.get(key) ?? { tail: Promise.resolve(), depth: 0 };
    if (queue.depth >= this.depthMax) return { kind: 'queue_full' };
    queue.depth += 1;
    this.queues.set(key, queue);
    const turn = queue.tail;
    let done = () => {};
    queue.tail = new Promise<void>((resolve) => { done = resolve; });
    await turn;
    try {
      return { kind: 'ran', value: await task() };
    } finally {
      queue.depth -= 1;
      // The last task out removes the key, so the map holds only keys with work waiting.
      if (queue.depth === 0) this.queues.delete(key);
      done();
    }
  }

  /** Keys with a task running or waiting (for tests and metrics). */
  get activeKeys(): number {
    return this.queues.size;
  }
}
