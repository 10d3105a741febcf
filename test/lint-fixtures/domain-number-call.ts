export const doubled = Number('1.5') * 2;
