import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SECRET_BYTES = 32;
const SECRET_FILE = 'operator.secret';
const PORT_FILE = 'operator.port';

/** Written by `npm start` at each start: only who can read the data directory may drive its operator endpoint. */
export const writeOperatorSecret = (dataDir: string): string => {
  const secret = randomBytes(SECRET_BYTES).toString('hex');
  const file = path.join(dataDir, SECRET_FILE);
  writeFileSync(file, secret, { mode: 0o600 });
  // writeFileSync's mode applies only to a new file; a file left by an earlier start keeps its own.
  chmodSync(file, 0o600);
  return secret;
};

/** Undefined when no embedded platform ever started on this directory. */
export const readOperatorSecret = (dataDir: string): string | undefined => {
  try {
    return readFileSync(path.join(dataDir, SECRET_FILE), 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};

/** Where the running platform's operator endpoint listens, so a command finds it whatever OPS_PORT that start had. */
export const writeOperatorPort = (dataDir: string, port: number): void => { writeFileSync(path.join(dataDir, PORT_FILE), String(port)); };

export const readOperatorPort = (dataDir: string): number | undefined => {
  try {
    const port = Number(readFileSync(path.join(dataDir, PORT_FILE), 'utf8').trim());
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
};
