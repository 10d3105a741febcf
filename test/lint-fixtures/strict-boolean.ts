export const hasFunds = (cashCents: number | undefined): boolean => {
  if (cashCents) return true;
  return false;
};
