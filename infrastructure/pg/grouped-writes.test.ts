import { groupedWrites } from './grouped-writes';

describe('grouped writes', () => {
  it('sends what arrives while a statement runs in the next one, in order of arrival, up to the cap', async () => {
    const statements: number[][] = [];
    let finishFirst: () => void = () => undefined;
    const firstRunning = new Promise<void>((resolve) => { finishFirst = resolve; });
    const write = groupedWrites<number>(async (items) => {
      statements.push([...items]);
      if (statements.length === 1) await firstRunning;
    }, 3);
    const done = [1, 2, 3, 4, 5, 6].map((n) => write(n));
    finishFirst();
    await Promise.all(done);
    expect(statements).toEqual([[1], [2, 3, 4], [5, 6]]);
  });

  it('rejects every item of a failed statement, and only those', async () => {
    let calls = 0;
    const write = groupedWrites<string>(async (items) => {
      calls += 1;
      if (items.includes('bad')) throw new Error('statement failed');
    }, 10);
    const first = write('ok-1');
    const second = write('bad');
    const third = write('ok-2');
    await expect(first).resolves.toBeUndefined();
    await expect(second).rejects.toThrow('statement failed');
    await expect(third).rejects.toThrow('statement failed'); // it went in the same statement as 'bad'
    await expect(write('ok-3')).resolves.toBeUndefined();
    expect(calls).toBe(3);
  });
});
