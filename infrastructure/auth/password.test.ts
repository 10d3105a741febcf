import { hashPassword, needsRehash, SCRYPT_PARAMS, verifyPassword } from './password';

const CHEAP = { N: 2 ** 10, r: 8, p: 1 };

describe('scrypt passwords', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored.startsWith(`scrypt$${SCRYPT_PARAMS.N}$${SCRYPT_PARAMS.r}$${SCRYPT_PARAMS.p}$`)).toBe(true);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
  });

  it('salts every hash and keeps old parameters verifiable while flagging them for re-hash', async () => {
    const a = await hashPassword('same password', CHEAP);
    const b = await hashPassword('same password', CHEAP);
    expect(a).not.toBe(b);
    expect(await verifyPassword('same password', a)).toBe(true);
    expect(needsRehash(a)).toBe(true);
    expect(needsRehash(await hashPassword('same password'))).toBe(false);
  });

  it.each(['', 'bcrypt$x', 'scrypt$3$8$1$c2FsdA==$a2V5', 'scrypt$4194304$8$1$c2FsdA==$a2V5', 'scrypt$1024$8$1$$a2V5'])('never verifies a malformed or abusive stored hash %s', async (stored) => {
    expect(await verifyPassword('anything', stored)).toBe(false);
  });
});
