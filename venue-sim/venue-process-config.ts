import * as E from 'fp-ts/Either';
import { venueProfile, type VenueProfile } from './profiles';

/** /healthz and /metrics of a venue process sit this far above its FIX port unless PORT says otherwise. */
export const OPS_PORT_OFFSET = 100;

export type VenueProcessConfig = {
  readonly profile: VenueProfile;
  readonly fixHost: string;
  readonly fixPort: number;
  readonly opsPort: number;
  /** PostgreSQL for sequence numbers and the drop copy; undefined: PGlite in memory (a demo, nothing kept). */
  readonly databaseUrl: string | undefined;
  /** NATS for the NBBO to quote at; undefined: the venue runs its own simulated feed. */
  readonly natsUrl: string | undefined;
  readonly gatewayCompId: string;
  readonly logLevel: string;
};

const port = (name: string, raw: string | undefined, fallback: number): E.Either<string, number> => {
  if (raw === undefined || raw === '') return E.right(fallback);
  const value = Number(raw);
  return Number.isInteger(value) && value >= 0 && value <= 65_535 ? E.right(value) : E.left(`${name} must be a port number, got ${raw}`);
};

/** `npm run start:venue -- <MIC>` with its environment; a bad value names the argument or variable. Pure. */
export const parseVenueProcessConfig = (args: readonly string[], env: Readonly<Record<string, string | undefined>>): E.Either<string, VenueProcessConfig> => {
  const name = args[0];
  const profile = name === undefined ? undefined : venueProfile(name.toUpperCase());
  if (profile === undefined) return E.left(`usage: npm run start:venue -- <XNYS|XNAS|ARCX|BATS> (got ${name ?? 'nothing'})`);
  const fixPort = port('FIX_PORT', env.FIX_PORT, profile.fixPort);
  if (E.isLeft(fixPort)) return fixPort;
  const opsPort = port('PORT', env.PORT, profile.fixPort + OPS_PORT_OFFSET);
  if (E.isLeft(opsPort)) return opsPort;
  const gatewayCompId = env.GATEWAY_COMP_ID ?? 'BROKER';
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(gatewayCompId)) return E.left(`GATEWAY_COMP_ID must be 1-32 letters, digits, _ or -, got ${gatewayCompId}`);
  return E.right({
    profile, fixHost: env.HOST || '0.0.0.0', fixPort: fixPort.right, opsPort: opsPort.right,
    databaseUrl: env.DATABASE_URL || undefined, natsUrl: env.NATS_URL || undefined, gatewayCompId, logLevel: env.LOG_LEVEL || 'info',
  });
};
