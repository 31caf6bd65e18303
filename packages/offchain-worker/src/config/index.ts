export { ConfigError, type ConfigIssue, type ConfigSource, FILE_FIELD, formatIssue } from './errors.js';
export { CONFIG_FILE_ENV, ENV_PREFIX, envName, PASSPHRASE_ENV } from './env.js';
export { DEFAULT_KEYSTORE_SUBDIR, type LoadConfigOptions, loadConfig, readPassphraseFile, requirePassphrase, type WorkerConfig } from './load.js';
export { DEFAULTS, LOG_LEVELS, type LogLevel, leafSettings } from './schema.js';
export { Secret } from '../secret.js';
