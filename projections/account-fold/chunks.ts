/** Runs `write` over consecutive slices of `rows` of at most `size`, one after another (each slice one statement). */
export const inChunks = async <T>(rows: readonly T[], size: number, write: (chunk: readonly T[]) => Promise<unknown>): Promise<void> => {
  for (let start = 0; start < rows.length; start += size) await write(rows.slice(start, start + size));
};
