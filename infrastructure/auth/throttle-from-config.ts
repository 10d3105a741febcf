import type Redis from 'ioredis';
import type { Config } from '../config';
import { createThrottle, type Throttle, type ThrottleSettings } from './throttle';

export const THROTTLE_KEY_PREFIX = 'throttle';

/** Redis-backed when the process has Redis (distributed mode), in-memory otherwise; limits from the environment. */
export const throttleFromConfig = (config: Pick<Config, 'loginFailuresMax' | 'loginLockoutS' | 'signUpsPerIpMax'>, redis?: Redis): Throttle => {
  const settings: Partial<ThrottleSettings> = {
    ...(config.loginFailuresMax === undefined ? {} : { loginFailuresPerEmailMax: config.loginFailuresMax }),
    ...(config.loginLockoutS === undefined ? {} : { loginLockoutS: config.loginLockoutS }),
    ...(config.signUpsPerIpMax === undefined ? {} : { signUpsPerIpMax: config.signUpsPerIpMax }),
  };
  return createThrottle({ keyPrefix: THROTTLE_KEY_PREFIX, settings, ...(redis ? { redis } : {}) });
};
