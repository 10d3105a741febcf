export const doubled = parseFloat('1.5') * 2;
