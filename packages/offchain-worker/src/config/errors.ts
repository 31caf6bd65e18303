import { ModelproofError } from '../errors.js';

/**
 * Where a setting came from: `default`, `file:<absolute path>` or `env:<VARIABLE>`.
 * Errors report it so an operator knows which place to fix.
 */
export type ConfigSource = 'default' | `file:${string}` | `env:${string}`;

/** One problem with one setting. */
export interface ConfigIssue {
  /** Dotted path of the setting (`chain.endpoint`), or `(config file)` for a file that cannot be read or parsed. */
  field: string;
  /** What is wrong, phrased as what the value must be. Never contains the rejected value. */
  message: string;
  /** Where the offending value came from. */
  source: ConfigSource;
}

/** Field used for problems with the config file as a whole (missing, unreadable, not JSON). */
export const FILE_FIELD = '(config file)';

/** `Config.Invalid`: the configuration cannot be used; `issues` lists every problem found. */
export class ConfigError extends ModelproofError {
  declare readonly code: 'Config.Invalid';
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const n = issues.length;
    super('Config.Invalid', `invalid configuration (${n} ${n === 1 ? 'problem' : 'problems'}):\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = Object.freeze(issues.map((i) => Object.freeze({ ...i })));
  }
}

/** `chain.endpoint: must be a ws:// or wss:// URL (env MODELPROOF_WORKER_CHAIN_ENDPOINT)`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.source === 'default' ? 'default' : issue.source.replace(':', ' ');
  return `${issue.field}: ${issue.message} (${where})`;
}
