import * as t from 'io-ts';
import isEmail from 'validator/lib/isEmail';
import { boundedString, closedObject } from '../../infrastructure/http/validation';

/** NIST 800-63B: at least 8; we ask 10. The maximum bounds scrypt input and stops hash-flooding. */
export const PASSWORD_CHARS_MIN = 10;
export const PASSWORD_CHARS_MAX = 128;
export const EMAIL_CHARS_MAX = 254;
export const NAME_CHARS_MAX = 100;
/** Account holders must be adults; the oldest plausible date keeps typos out. */
export const ACCOUNT_HOLDER_AGE_YEARS_MIN = 18;
const BIRTH_YEAR_MIN = 1900;

/** An address as mail servers take it: no display name, no IP literal, ASCII local part (so no markup), a real TLD. */
const isEmailAddress = (email: string): boolean =>
  isEmail(email, { allow_display_name: false, require_tld: true, allow_ip_domain: false, allow_utf8_local_part: false });

/** Lower-cased and trimmed, so `Ann@X.com ` and `ann@x.com` are one account. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

const Email = new t.Type<string, string, unknown>(
  'Email',
  (u): u is string => typeof u === 'string',
  (u, c) => {
    if (typeof u !== 'string') return t.failure(u, c, 'must be an email address');
    const email = normalizeEmail(u);
    return email.length <= EMAIL_CHARS_MAX && isEmailAddress(email) ? t.success(email) : t.failure(u, c, 'must be an email address');
  },
  String,
);

const Password = boundedString(PASSWORD_CHARS_MIN, PASSWORD_CHARS_MAX, 'Password');
/** Log-in must not reveal the rules, only bound the work. */
const PasswordAttempt = boundedString(1, PASSWORD_CHARS_MAX, 'Password');

const isoDate = (value: string): Date | undefined => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const date = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value ? undefined : date;
};

/** Validated against `todayIso` (UTC date of the request), passed in so the check is testable. */
const dateOfBirth = (todayIso: string) =>
  new t.Type<string, string, unknown>(
    'DateOfBirth',
    (u): u is string => typeof u === 'string',
    (u, c) => {
      const date = typeof u === 'string' ? isoDate(u) : undefined;
      if (date === undefined || typeof u !== 'string') return t.failure(u, c, 'must be a date YYYY-MM-DD');
      const adultBy = `${Number(u.slice(0, 4)) + ACCOUNT_HOLDER_AGE_YEARS_MIN}${u.slice(4)}`;
      if (date.getUTCFullYear() < BIRTH_YEAR_MIN || adultBy > todayIso) return t.failure(u, c, `account holders must be at least ${ACCOUNT_HOLDER_AGE_YEARS_MIN}`);
      return t.success(u);
    },
    String,
  );

export const signUpBody = (todayIso: string) =>
  closedObject('SignUp', { email: Email, password: Password }, {
    first_name: boundedString(1, NAME_CHARS_MAX),
    last_name: boundedString(1, NAME_CHARS_MAX),
    date_of_birth: dateOfBirth(todayIso),
  });
export type SignUpBody = t.TypeOf<ReturnType<typeof signUpBody>>;

/** A TOTP code (6 digits) or a recovery code (`XXXX-XXXX-XXXX-XXXX`); the length bounds the work. */
const MfaCode = boundedString(1, 32, 'MfaCode');

export const LogInBody = closedObject('LogIn', { email: Email, password: PasswordAttempt }, { mfa_code: MfaCode });

export const BeginTwoFactorBody = closedObject('BeginTwoFactor', { password: PasswordAttempt }, {});
export const TwoFactorCodeBody = closedObject('TwoFactorCode', { mfa_code: MfaCode }, {});

/** Opaque: `<session id>.<secret>`; the length bounds the work before the lookup refuses it. */
export const RefreshBody = closedObject('Refresh', { refresh_token: boundedString(1, 128) }, {});

export const ChangePasswordBody = closedObject('ChangePassword', { current_password: PasswordAttempt, new_password: Password }, {});
