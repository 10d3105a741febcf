import { API_WORKERS_MAX, apiWorkersFromEnv } from './api-workers';

describe('API_WORKERS', () => {
  it('defaults to one process and takes a count up to the maximum', () => {
    expect(apiWorkersFromEnv(undefined)).toBe(1);
    expect(apiWorkersFromEnv('')).toBe(1);
    expect(apiWorkersFromEnv('2')).toBe(2);
    expect(apiWorkersFromEnv(String(API_WORKERS_MAX))).toBe(API_WORKERS_MAX);
  });

  it.each(['0', '-1', '1.5', 'two', String(API_WORKERS_MAX + 1)])('refuses %p with a message naming the variable', (value) => {
    expect(() => apiWorkersFromEnv(value)).toThrow(/API_WORKERS must be an integer from 1 to 16/);
  });
});
