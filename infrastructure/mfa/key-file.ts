import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const KEY_FILE = 'mfa.key';
const KEY_BYTES = 48;

/**
 * Embedded mode makes up its JWT secret per process, but its event store outlives the process: TOTP
 * secrets sealed under a per-process key would never open again. So, without MFA_KEY, embedded mode keeps
 * one key beside its data (owner-only), made on the first start.
 */
export const embeddedMfaKey = (dataDir: string): string => {
  const file = path.join(dataDir, KEY_FILE);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const key = randomBytes(KEY_BYTES).toString('base64url');
    writeFileSync(file, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
};
