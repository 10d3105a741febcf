import { KeyedSerializer } from './keyed-serializer';

const deferred = () => {
  let resolve = () => {};
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
};

describe('KeyedSerializer', () => {
  it('runs one key\'s tasks in arrival order, one at a time, and other keys beside them', async () => {
    const serializer = new KeyedSerializer();
    const log: string[] = [];
    const gate = deferred();
    const first = serializer.run('a', async () => { log.push('a1 start'); await gate.promise; log.push('a1 end'); return 1; });
    const second = serializer.run('a', async () => { log.push('a2'); return 2; });
    const other = serializer.run('b', async () => { log.push('b1'); return 3; });
    expect(await other).toEqual({ kind: 'ran', value: 3 });
    expect(log).toEqual(['a1 start', 'b1']);
    gate.resolve();
    expect(await first).toEqual({ kind: 'ran', value: 1 });
    expect(await second).toEqual({ kind: 'ran', value: 2 });
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    expect(serializer.activeKeys).toBe(0);
  });

  it('goes on after a task fails, and refuses beyond its depth', async () => {
    const serializer = new KeyedSerializer(2);
    const gate = deferred();
    const failing = serializer.run('a', async () => { await gate.promise; throw new Error('boom'); });
    const next = serializer.run('a', async () => 'after');
    expect(await serializer.run('a', async () => 'too many')).toEqual({ kind: 'queue_full' });
    gate.resolve();
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toEqual({ kind: 'ran', value: 'after' });
  });
});
