/**
 * Environment overrides: every leaf setting `a.bC` can be set by `MODELPROOF_WORKER_A_B_C`
 * (path segments joined by `_`, camelCase split into words, upper-cased).
 */
import type { LeafKind } from './schema.js';

export const ENV_PREFIX = 'MODELPROOF_WORKER_';

/** The keystore passphrase; secret, so it is never a config-file setting. */
export const PASSPHRASE_ENV = `${ENV_PREFIX}KEYSTORE_PASSPHRASE`;

/** Path of the config file when `--config` is not given (read by the CLI, not by `loadConfig`). */
export const CONFIG_FILE_ENV = `${ENV_PREFIX}CONFIG`;

/** Variables with the prefix that are not settings. */
export const RESERVED_ENV: ReadonlySet<string> = new Set([PASSPHRASE_ENV, CONFIG_FILE_ENV]);

/** `ipfs.fetchTimeoutMs` → `MODELPROOF_WORKER_IPFS_FETCH_TIMEOUT_MS`. */
export function envName(path: string): string {
  return (
    ENV_PREFIX +
    path
      .split('.')
      .map((segment) => segment.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase())
      .join('_')
  );
}

/**
 * Turns an environment string into the leaf's type. A string that does not read as that
 * type is returned unchanged, so validation reports it with the variable as its source.
 */
export function coerceEnv(raw: string, kind: LeafKind): unknown {
  const text = raw.trim();
  if (kind === 'number') return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : raw;
  if (kind === 'boolean') {
    if (/^(true|1|yes|on)$/i.test(text)) return true;
    if (/^(false|0|no|off)$/i.test(text)) return false;
    return raw;
  }
  return raw;
}
