/**
 * The worker's settings: names, defaults and rules. The file format is JSON; every leaf can
 * be overridden by an environment variable derived from its path (see `envName`).
 */
import { z } from 'zod';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MiB = 1024 * 1024;

/** Defaults: everything on the local machine, the ports the local stack uses. */
export const DEFAULTS = {
  chainEndpoint: 'ws://127.0.0.1:9944',
  redisUrl: 'redis://127.0.0.1:6379',
  ipfsApiUrl: 'http://127.0.0.1:5001',
  metricsHost: '127.0.0.1',
  metricsPort: 9615,
  queuePrefix: 'modelproof',
  inferenceConcurrency: 1,
  aggregationConcurrency: 2,
  maxModelBytes: 512 * MiB,
  fetchTimeoutMs: 120_000,
  manifestTimeoutMs: 10_000,
  shutdownTimeoutMs: 30_000,
  blockTimeMs: 6_000,
  minReward: '0',
  deadlineSafetyFactor: 3,
  provingTimeEstimateMs: 30_000,
  artifactsMaxBytes: 4 * 1024 * MiB,
} as const;

const U128_MAX = (1n << 128n) - 1n;

function urlWithSchemes(schemes: readonly string[], message: string) {
  return z.string().refine((value) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return false;
    }
    return schemes.includes(url.protocol) && url.hostname !== '';
  }, message);
}

const int = (min: number, max: number, what = 'an integer') =>
  z
    .number()
    .int(`must be ${what} from ${min} to ${max}`)
    .min(min, `must be ${what} from ${min} to ${max}`)
    .max(max, `must be ${what} from ${min} to ${max}`);

const nonEmpty = (message = 'must not be empty') => z.string().min(1, message);

/** The schema of the parsed (not yet path-resolved) configuration. Unknown fields are errors. */
export const configSchema = z
  .object({
    chain: z
      .object({
        endpoint: urlWithSchemes(['ws:', 'wss:'], 'must be a ws:// or wss:// URL').default(DEFAULTS.chainEndpoint),
        /** Failed connection attempts before the worker gives up at start. */
        connectRetries: int(0, 1000).default(5),
        /** Expected time between blocks: turns the blocks left before a deadline into time to prove. */
        blockTimeMs: int(100, 3_600_000, 'a number of milliseconds').default(DEFAULTS.blockTimeMs),
      })
      .strict()
      .default({}),
    redis: z
      .object({
        url: urlWithSchemes(['redis:', 'rediss:'], 'must be a redis:// or rediss:// URL').default(DEFAULTS.redisUrl),
      })
      .strict()
      .default({}),
    ipfs: z
      .object({
        /** Kubo RPC API (not the gateway). */
        apiUrl: urlWithSchemes(['http:', 'https:'], 'must be an http:// or https:// URL').default(DEFAULTS.ipfsApiUrl),
        /** A model fetch that takes longer fails (transient, retried). */
        fetchTimeoutMs: int(1_000, 86_400_000, 'a number of milliseconds').default(DEFAULTS.fetchTimeoutMs),
        /** Models larger than this are refused (permanent failure `Ipfs.TooLarge`). */
        maxModelBytes: int(1, Number.MAX_SAFE_INTEGER, 'a number of bytes').default(DEFAULTS.maxModelBytes),
        /** Before claiming, the model's manifest (its size) must come within this time, or the job is not claimed. */
        manifestTimeoutMs: int(1_000, 86_400_000, 'a number of milliseconds').default(DEFAULTS.manifestTimeoutMs),
      })
      .strict()
      .default({}),
    queue: z
      .object({
        /** Redis key prefix of the BullMQ queues; workers sharing a prefix share the work. */
        prefix: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 letters, digits, - or _')
          .default(DEFAULTS.queuePrefix),
        concurrency: z
          .object({
            /** Inference jobs (CPU-bound proving) run at once in this process. */
            inference: int(1, 256).default(DEFAULTS.inferenceConcurrency),
            /** Aggregation jobs run at once in this process. */
            aggregation: int(1, 256).default(DEFAULTS.aggregationConcurrency),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    jobs: z
      .object({
        /** Serve ZK inference jobs on models granted to this worker. */
        inference: z.boolean().default(true),
        /** Serve secure-aggregation jobs (join committees, post partial sums). */
        aggregation: z.boolean().default(true),
        /** Claim open jobs this worker can serve as soon as they are submitted. */
        autoClaim: z.boolean().default(true),
        /**
         * Smallest reward worth a claim, in planck (a decimal string: balances exceed JavaScript's
         * safe integers). For an aggregation job, the reward per committee seat.
         */
        minReward: z
          .custom<string>((value) => typeof value === 'string' && /^(0|[1-9][0-9]{0,38})$/.test(value) && BigInt(value) <= U128_MAX, {
            message: 'must be a decimal string of planck from 0 to 2^128 - 1, e.g. "1000000000000"',
          })
          .default(DEFAULTS.minReward),
        /** An inference job is claimed only if the time to its deadline is at least this many times the expected proving time. */
        deadlineSafetyFactor: z
          .number()
          .min(1, 'must be a number from 1 to 100')
          .max(100, 'must be a number from 1 to 100')
          .default(DEFAULTS.deadlineSafetyFactor),
        /** Expected proving time of a circuit before this worker has measured it. */
        provingTimeEstimateMs: int(1, 86_400_000, 'a number of milliseconds').default(DEFAULTS.provingTimeEstimateMs),
      })
      .strict()
      .default({}),
    artifacts: z
      .object({
        /** Cache of the models' proving artifacts (decrypted: keep it private); default `~/.modelproof-worker/artifacts`. */
        dir: nonEmpty().optional(),
        /** Size bound of the cache; the least recently used models are evicted beyond it. */
        maxBytes: int(1, Number.MAX_SAFE_INTEGER, 'a number of bytes').default(DEFAULTS.artifactsMaxBytes),
      })
      .strict()
      .default({}),
    metrics: z
      .object({
        /** Serve `/metrics` and `/healthz`. */
        enabled: z.boolean().default(true),
        /** Address to bind; loopback by default. Bind elsewhere only behind a firewall. */
        host: nonEmpty().default(DEFAULTS.metricsHost),
        /** TCP port; 0 picks a free one. */
        port: int(0, 65535, 'a port number').default(DEFAULTS.metricsPort),
      })
      .strict()
      .default({}),
    keystore: z
      .object({
        /** Directory of the encrypted keys (`modelproof-worker keys generate --dir`). */
        dir: nonEmpty().optional(),
        /** File holding the keystore passphrase (alternative to MODELPROOF_WORKER_KEYSTORE_PASSPHRASE). */
        passphraseFile: nonEmpty().optional(),
      })
      .strict()
      .default({}),
    log: z
      .object({
        level: z.enum(LOG_LEVELS, { errorMap: () => ({ message: `must be one of ${LOG_LEVELS.join(', ')}` }) }).default('info'),
      })
      .strict()
      .default({}),
    shutdown: z
      .object({
        /** How long a graceful stop may take before the worker exits anyway. */
        timeoutMs: int(0, 3_600_000, 'a number of milliseconds').default(DEFAULTS.shutdownTimeoutMs),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ParsedConfig = z.output<typeof configSchema>;

/** Kind of a leaf, for turning an environment string into a value. */
export type LeafKind = 'string' | 'number' | 'boolean';

/** Every leaf setting (dotted path → kind), derived from the schema. */
export function leafSettings(): Map<string, LeafKind> {
  const out = new Map<string, LeafKind>();
  const walk = (schema: z.ZodTypeAny, path: string[]): void => {
    const inner = unwrap(schema);
    if (inner instanceof z.ZodObject) {
      for (const [key, child] of Object.entries(inner.shape as Record<string, z.ZodTypeAny>)) walk(child, [...path, key]);
      return;
    }
    const kind: LeafKind = inner instanceof z.ZodNumber ? 'number' : inner instanceof z.ZodBoolean ? 'boolean' : 'string';
    out.set(path.join('.'), kind);
  };
  walk(configSchema, []);
  return out;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let s = schema;
  for (;;) {
    if (s instanceof z.ZodDefault) s = s._def.innerType;
    else if (s instanceof z.ZodOptional) s = s._def.innerType;
    else if (s instanceof z.ZodEffects) s = s._def.schema;
    else return s;
  }
}
