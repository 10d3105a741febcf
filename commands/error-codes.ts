import { ConcurrencyRetriesExhausted } from './command-handler';

// Codes leave the process (API, logs): never rename or reuse one.
/** Refusals the command side answers with itself, beside the deciders' codes. */
export const CommandErrorCode = {
  ConcurrencyRetriesExhausted,
  IfMatchRequired: 'IF_MATCH_REQUIRED',
  EmailTaken: 'EMAIL_TAKEN',
  InvalidCredentials: 'INVALID_CREDENTIALS',
  /** The password was right and 2FA is on: the act needs a code too (log-in, a large withdrawal). */
  MfaRequired: 'MFA_REQUIRED',
  /** The seed's pattern-day-trader refusal; no rule sends it yet, clients already know its status. */
  PdtRestriction: 'PDT_RESTRICTION',
} as const;
export type CommandErrorCode = (typeof CommandErrorCode)[keyof typeof CommandErrorCode];
