import { publishEachCopied, type Bus, type BusMessage } from '../../infrastructure/bus/port';

/** A Bus for unit tests of ingest: records every publish; subscriptions are not needed here. */
export const createRecordingBus = (): Bus & { readonly messages: BusMessage[]; json(subjectPrefix: string): unknown[] } => {
  const messages: BusMessage[] = [];
  const decoder = new TextDecoder();
  return {
    messages,
    json: (subjectPrefix) => messages.filter((m) => m.subject.startsWith(subjectPrefix)).map((m) => JSON.parse(decoder.decode(m.data)) as unknown),
    publish: (subject, data) => void messages.push({ subject, data }),
    publishBatch: (batch) => publishEachCopied(batch, (subject, data) => void messages.push({ subject, data })),
    subscribe: () => ({ unsubscribe: () => undefined }),
    flush: async () => undefined,
    close: async () => undefined,
  };
};
