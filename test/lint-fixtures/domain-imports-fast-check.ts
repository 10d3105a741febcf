import fc from 'fast-check';

export const quantityArb = fc.integer({ min: 1, max: 1_000_000 });
