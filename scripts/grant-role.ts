import pino from 'pino';
import { grantRole, isRole, ROLES } from '../commands/users/roles';
import { createLogger } from '../infrastructure/logging';
import { openReadSide } from './open-read-side';

/** `npm run grant-role -- <email> compliance`: the role shows in the user's tokens from their next log-in. */
const main = async () => {
  // Logs go to stderr: stdout carries the command's own output.
  const logger = createLogger({ name: 'grant-role', level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
  const [email, role] = process.argv.slice(2);
  if (email === undefined || role === undefined || !isRole(role)) {
    process.stderr.write(`usage: npm run grant-role -- <email> <role>   (roles: ${ROLES.join(', ')})\n`);
    process.exit(2);
  }
  const side = await openReadSide();
  try {
    const outcome = await grantRole(side.store, email, role, `operator:${process.env.USER ?? 'unknown'}`, Date.now());
    logger.info({ email, role, outcome }, 'grant-role');
    process.stdout.write(`${outcome === 'granted' ? `granted ${role} to ${email}` : outcome === 'already-held' ? `${email} already holds ${role}` : `no user ${email}`}\n`);
    if (outcome === 'no-such-user') process.exitCode = 1;
  } finally {
    await side.close();
  }
};

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
