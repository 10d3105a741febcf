export const stampedAtMs = (): number => Date.now();
