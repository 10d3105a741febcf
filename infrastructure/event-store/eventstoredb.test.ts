import { createEventStoreDbEventStore, EventStoreDbConfigError } from './eventstoredb';

// No EventStoreDB server here: these only build the client, which connects lazily, on first use.
describe('EventStoreDB adapter configuration', () => {
  it.each([
    'esdb://127.0.0.1:2113?tls=false&throwOnAppendFailure=false',
    'esdb://127.0.0.1:2113?throwonappendfailure=false&tls=false',
  ])('refuses %s: a failed append must never count as Appended', (connectionString) => {
    expect(() => createEventStoreDbEventStore({ connectionString })).toThrow(EventStoreDbConfigError);
  });

  it.each([
    'esdb://127.0.0.1:2113?tls=false',
    'esdb://127.0.0.1:2113?tls=false&throwOnAppendFailure=true',
  ])('accepts %s', async (connectionString) => {
    const store = createEventStoreDbEventStore({ connectionString });
    await store.close();
  });
});
