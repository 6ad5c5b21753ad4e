/** The ConfigError `loadConfig(env)` throws; fails the test when it throws nothing or something else. */
import { ConfigError, loadConfig } from '../../src/config/index.js';

export function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
