export const limit = (): string | undefined => process.env.LIMIT;
