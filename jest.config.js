/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/bench/'],
  // Integration tests talk to real PostgreSQL, Redis and NATS; give them room, not a race.
  testTimeout: 60_000,
  // Every test by name, so a skipped suite (EventStoreDB without EVENTSTORE_URL) says so in the log.
  verbose: true,
};
