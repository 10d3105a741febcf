import { createLogger } from './logging';

describe('logger', () => {
  it('writes JSON and censors passwords, tokens, authorization headers and bodies', () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => { lines.push(line); } } });
    logger.info({ password: 'hunter2hunter2', token: 'eyJ.secret', req: { headers: { authorization: 'Bearer eyJ.secret' } }, body: { password: 'x' }, user: { password: 'p' } }, 'hello');
    const entry = JSON.parse(lines[0]!);
    expect(entry.msg).toBe('hello');
    expect(lines[0]).not.toContain('hunter2');
    expect(lines[0]).not.toContain('eyJ.secret');
    expect(entry.body).toBe('[redacted]');
    expect(entry.user.password).toBe('[redacted]');
  });
});
