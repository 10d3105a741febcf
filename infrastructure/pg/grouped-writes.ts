/**
 * Many small writes as few statements: while one statement runs, the writes that arrive wait and go
 * together in the next one. Each caller's promise settles with the statement that carried its item, so
 * a caller that awaits it knows its item is stored. One statement in flight at a time keeps the order of
 * arrival and leaves the pool's other connections to others.
 */
export const groupedWrites = <Item>(write: (items: readonly Item[]) => Promise<void>, itemsPerStatementMax: number): ((item: Item) => Promise<void>) => {
  const waiting: { readonly item: Item; resolve(): void; reject(error: unknown): void }[] = [];
  let running = false;

  const run = async (): Promise<void> => {
    running = true;
    while (waiting.length > 0) {
      const batch = waiting.splice(0, itemsPerStatementMax);
      try {
        await write(batch.map((w) => w.item));
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
    running = false;
  };

  return (item) => new Promise<void>((resolve, reject) => {
    waiting.push({ item, resolve, reject });
    if (!running) void run();
  });
};
