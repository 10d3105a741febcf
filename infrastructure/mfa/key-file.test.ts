import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { embeddedMfaKey } from './key-file';

it('makes an owner-only key on the first start and reads the same one on the next', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mfa-key-'));
  try {
    const first = embeddedMfaKey(dir);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(embeddedMfaKey(dir)).toBe(first);
    expect(statSync(path.join(dir, 'mfa.key')).mode & 0o777).toBe(0o600);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
