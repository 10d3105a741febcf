export const doubled = Number.parseFloat('1.5') * 2;
