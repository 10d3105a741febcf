import { WORKERS_MAX, workersFromEnv } from './cluster-workers';

describe('API_WORKERS and STREAMING_WORKERS', () => {
  it('defaults to one process and takes a count up to the maximum', () => {
    expect(workersFromEnv('API_WORKERS', undefined)).toBe(1);
    expect(workersFromEnv('API_WORKERS', '')).toBe(1);
    expect(workersFromEnv('API_WORKERS', '2')).toBe(2);
    expect(workersFromEnv('STREAMING_WORKERS', String(WORKERS_MAX))).toBe(WORKERS_MAX);
  });

  it.each(['0', '-1', '1.5', 'two', String(WORKERS_MAX + 1)])('refuses %p with a message naming the variable', (value) => {
    expect(() => workersFromEnv('API_WORKERS', value)).toThrow(/API_WORKERS must be an integer from 1 to 16/);
    expect(() => workersFromEnv('STREAMING_WORKERS', value)).toThrow(/STREAMING_WORKERS must be an integer from 1 to 16/);
  });
});
