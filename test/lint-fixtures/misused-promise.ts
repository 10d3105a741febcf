const save = async (): Promise<void> => undefined;

export const onEach = (items: readonly string[]): void => {
  items.forEach(async () => {
    await save();
  });
  if (save()) return;
};
