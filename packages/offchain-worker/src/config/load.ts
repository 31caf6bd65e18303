/**
 * `loadConfig`: defaults, then the JSON config file, then `MODELPROOF_WORKER_*` environment
 * variables; validated as a whole, so one run reports every problem, each naming its field
 * and where the value came from.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';

import { type ZodErrorMap, type ZodIssue, ZodIssueCode } from 'zod';

import { ConfigError, type ConfigIssue, type ConfigSource, FILE_FIELD } from './errors.js';
import { CONFIG_FILE_ENV, coerceEnv, ENV_PREFIX, envName, PASSPHRASE_ENV, RESERVED_ENV } from './env.js';
import { configSchema, type LogLevel, leafSettings } from './schema.js';
import { Secret } from '../secret.js';

/** The validated configuration; paths are absolute. */
export interface WorkerConfig {
  chain: { endpoint: string; connectRetries: number; blockTimeMs: number };
  redis: { url: string };
  ipfs: { apiUrl: string; fetchTimeoutMs: number; maxModelBytes: number; manifestTimeoutMs: number };
  queue: { prefix: string; concurrency: { inference: number; aggregation: number } };
  jobs: {
    inference: boolean;
    aggregation: boolean;
    autoClaim: boolean;
    /** Planck, decimal string. */
    minReward: string;
    deadlineSafetyFactor: number;
    provingTimeEstimateMs: number;
  };
  /** The cache of proving artifacts (absolute directory, size bound). */
  artifacts: { dir: string; maxBytes: number };
  metrics: { enabled: boolean; host: string; port: number };
  keystore: {
    dir: string;
    passphraseFile: string | undefined;
    /** From MODELPROOF_WORKER_KEYSTORE_PASSPHRASE or `passphraseFile`; `undefined` when neither is set. */
    passphrase: Secret | undefined;
  };
  log: { level: LogLevel };
  shutdown: { timeoutMs: number };
  /** Absolute path of the config file read, if any. */
  file: string | undefined;
  /** Where each setting that was not a default came from (dotted path → source). */
  sources: ReadonlyMap<string, ConfigSource>;
}

export interface LoadConfigOptions {
  /**
   * JSON config file; default: the file named by MODELPROOF_WORKER_CONFIG in `env`, if any
   * (defaults + environment alone are a valid configuration).
   */
  file?: string;
  /** Environment to read `MODELPROOF_WORKER_*` from; default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Base of relative paths given in the environment and of a relative `file`; default `process.cwd()`. */
  cwd?: string;
  /** Home directory (`~/` in paths, the default keystore dir); default `os.homedir()`. */
  homeDir?: string;
}

/** Default keystore directory under the home directory. */
export const DEFAULT_KEYSTORE_SUBDIR = join('.modelproof-worker', 'keystore');
/** Default proving-artifact cache under the home directory. */
export const DEFAULT_ARTIFACTS_SUBDIR = join('.modelproof-worker', 'artifacts');

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Loads and validates the configuration; throws `ConfigError` (`Config.Invalid`) listing every problem. */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<WorkerConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const home = options.homeDir ?? homedir();
  const issues: ConfigIssue[] = [];
  const sources = new Map<string, ConfigSource>();

  // 1. the file
  let input: Json = {};
  let file: string | undefined;
  const fileOption = options.file ?? (env[CONFIG_FILE_ENV] || undefined);
  if (fileOption !== undefined) {
    file = resolve(cwd, fileOption);
    const fileSource: ConfigSource = `file:${file}`;
    const parsed = await readJsonFile(file);
    if ('problem' in parsed) {
      issues.push({ field: FILE_FIELD, message: parsed.problem, source: fileSource });
    } else if (!isObject(parsed.value)) {
      issues.push({ field: FILE_FIELD, message: 'must contain a JSON object', source: fileSource });
    } else {
      input = parsed.value;
      recordSources(input, [], fileSource, sources);
      // A secret in the config file body is refused, whatever its value.
      const keystore = input['keystore'];
      if (isObject(keystore) && 'passphrase' in keystore) {
        issues.push({
          field: 'keystore.passphrase',
          message: `secrets are not read from the config file; set ${PASSPHRASE_ENV} or keystore.passphraseFile`,
          source: fileSource,
        });
        const { passphrase: _dropped, ...rest } = keystore;
        input = { ...input, keystore: rest };
      }
    }
  }

  // 2. the environment
  const leaves = leafSettings();
  const byEnvName = new Map([...leaves.keys()].map((path) => [envName(path), path]));
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(ENV_PREFIX) || RESERVED_ENV.has(name)) continue;
    const raw = env[name];
    if (raw === undefined || raw === '') continue; // empty = unset
    const path = byEnvName.get(name);
    if (path === undefined) {
      issues.push({ field: '(environment)', message: `${name} is not a setting of modelproof-worker`, source: `env:${name}` });
      continue;
    }
    if (setPath(input, path.split('.'), coerceEnv(raw, leaves.get(path) ?? 'string'))) sources.set(path, `env:${name}`);
  }

  // 3. validation
  const result = configSchema.safeParse(input, { errorMap });
  if (!result.success) {
    for (const issue of result.error.issues) issues.push(...toIssues(issue, sources));
  }

  // 4. the passphrase (only if the rest is readable: a bad passphraseFile path is reported above)
  const passphraseEnv = env[PASSPHRASE_ENV];
  let passphrase: Secret | undefined;
  let passphraseFile: string | undefined;
  if (result.success) {
    const cfg = result.data;
    if (cfg.keystore.passphraseFile !== undefined) {
      const source = sources.get('keystore.passphraseFile') ?? 'default';
      passphraseFile = resolvePath(cfg.keystore.passphraseFile, source, cwd, home);
      if (passphraseEnv !== undefined && passphraseEnv !== '') {
        issues.push({
          field: 'keystore.passphrase',
          message: `set either ${PASSPHRASE_ENV} or keystore.passphraseFile, not both`,
          source: `env:${PASSPHRASE_ENV}`,
        });
      } else {
        const read = await readPassphraseFile(passphraseFile);
        if (read instanceof Secret) passphrase = read;
        else issues.push({ field: 'keystore.passphraseFile', message: read, source });
      }
    } else if (passphraseEnv !== undefined && passphraseEnv !== '') {
      passphrase = new Secret(passphraseEnv);
    }
  }

  if (issues.length > 0 || !result.success) throw new ConfigError(issues);

  const cfg = result.data;
  const dirSource = sources.get('keystore.dir') ?? 'default';
  const artifactsSource = sources.get('artifacts.dir') ?? 'default';
  return {
    chain: cfg.chain,
    redis: cfg.redis,
    ipfs: cfg.ipfs,
    queue: cfg.queue,
    jobs: cfg.jobs,
    artifacts: {
      dir: cfg.artifacts.dir === undefined ? join(home, DEFAULT_ARTIFACTS_SUBDIR) : resolvePath(cfg.artifacts.dir, artifactsSource, cwd, home),
      maxBytes: cfg.artifacts.maxBytes,
    },
    metrics: cfg.metrics,
    keystore: {
      dir: cfg.keystore.dir === undefined ? join(home, DEFAULT_KEYSTORE_SUBDIR) : resolvePath(cfg.keystore.dir, dirSource, cwd, home),
      passphraseFile,
      passphrase,
    },
    log: cfg.log,
    shutdown: cfg.shutdown,
    file,
    sources,
  };
}

/** The keystore passphrase, or `Config.Invalid` naming the two ways to provide it. */
export function requirePassphrase(config: Pick<WorkerConfig, 'keystore'>): Secret {
  if (config.keystore.passphrase !== undefined) return config.keystore.passphrase;
  throw new ConfigError([
    {
      field: 'keystore.passphrase',
      message: `is required: set ${PASSPHRASE_ENV} or keystore.passphraseFile`,
      source: 'default',
    },
  ]);
}

/**
 * Reads a passphrase file: the whole content less one trailing newline. Returns the secret or
 * a problem description (never the content).
 */
export async function readPassphraseFile(path: string): Promise<Secret | string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return fsProblem(err, 'file');
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return 'the passphrase file is empty';
  return new Secret(value);
}

async function readJsonFile(path: string): Promise<{ value: unknown } | { problem: string }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { problem: fsProblem(err, 'config file') };
  }
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (err) {
    // V8's message quotes the text around the error, which may hold a misplaced secret: report the position only.
    const at = /position (\d+)/.exec((err as Error).message);
    if (at?.[1] === undefined) return { problem: 'is not valid JSON' };
    const before = text.slice(0, Number(at[1]));
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    return { problem: `is not valid JSON (line ${line}, column ${column})` };
  }
}

function fsProblem(err: unknown, what: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `${what} not found`;
  if (code === 'EACCES' || code === 'EPERM') return `${what} cannot be read (permission denied)`;
  if (code === 'EISDIR') return `${what} is a directory`;
  return `${what} cannot be read (${code ?? 'I/O error'})`;
}

function recordSources(value: unknown, path: string[], source: ConfigSource, into: Map<string, ConfigSource>): void {
  if (path.length > 0) into.set(path.join('.'), source);
  if (isObject(value)) for (const [k, v] of Object.entries(value)) recordSources(v, [...path, k], source, into);
}

/** Sets `path` in `target`, creating objects on the way; false if a non-object is in the way (left for validation to report). */
function setPath(target: Json, path: string[], value: unknown): boolean {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === undefined) node[key] = {};
    else if (!isObject(next)) return false;
    node = node[key] as Json;
  }
  node[path[path.length - 1]!] = value;
  return true;
}

function sourceOf(field: string, sources: ReadonlyMap<string, ConfigSource>): ConfigSource {
  for (let path = field; path !== ''; path = path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '') {
    const source = sources.get(path);
    if (source !== undefined) return source;
  }
  return 'default';
}

function resolvePath(value: string, source: ConfigSource, cwd: string, home: string): string {
  if (value === '~') return home;
  if (value.startsWith('~/')) return join(home, value.slice(2));
  if (isAbsolute(value)) return value;
  // Relative paths in the file are relative to the file; elsewhere to the working directory.
  return source.startsWith('file:') ? resolve(dirname(source.slice('file:'.length)), value) : resolve(cwd, value);
}

const TYPE_MESSAGES: Record<string, string> = {
  string: 'must be a string',
  number: 'must be a number',
  integer: 'must be an integer',
  boolean: 'must be true or false',
  object: 'must be an object',
};

const errorMap: ZodErrorMap = (issue, ctx) => {
  if (issue.code === ZodIssueCode.invalid_type) {
    const message = TYPE_MESSAGES[issue.expected];
    if (message !== undefined) return { message };
  }
  return { message: ctx.defaultError };
};

function toIssues(issue: ZodIssue, sources: ReadonlyMap<string, ConfigSource>): ConfigIssue[] {
  const base = issue.path.map(String);
  if (issue.code === ZodIssueCode.unrecognized_keys) {
    return issue.keys.map((key) => {
      const field = [...base, key].join('.');
      return { field, message: 'is not a known setting', source: sourceOf(field, sources) };
    });
  }
  const field = base.join('.');
  return [{ field, message: issue.message, source: sourceOf(field, sources) }];
}
