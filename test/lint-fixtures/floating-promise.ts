const save = async (): Promise<void> => undefined;

export const handle = (): void => {
  save();
};
