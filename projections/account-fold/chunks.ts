/** Runs `write` over consecutive slices of `rows` of at most `size`, one after another (each slice one statement). */
export const inChunks = async <T>(rows: readonly T[], size: number, write: (chunk: readonly T[]) => Promise<unknown>): Promise<void> => {
  for (let start = 0; start < rows.length; start += size) await write(rows.slice(start, start + size));
};

/**
 * As `inChunks`, with up to `inFlightMax` slices written at once: on a pool each runs on a connection of its
 * own (in a transaction they queue), and node prepares the next slice while PostgreSQL takes in the last one.
 */
export const inChunksSideBySide = async <T>(rows: readonly T[], size: number, inFlightMax: number, write: (chunk: readonly T[]) => Promise<unknown>): Promise<void> => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < rows.length) {
      const start = next;
      next += size;
      await write(rows.slice(start, start + size));
    }
  };
  await Promise.all(Array.from({ length: inFlightMax }, lane));
};
