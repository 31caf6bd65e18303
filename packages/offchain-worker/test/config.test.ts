import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';

import {
  ConfigError,
  type ConfigIssue,
  DEFAULTS,
  envName,
  FILE_FIELD,
  leafSettings,
  loadConfig,
  type LoadConfigOptions,
  PASSPHRASE_ENV,
  requirePassphrase,
  type WorkerConfig,
} from '../src/config/index.js';
import { isModelproofError } from '../src/errors.js';

let dir: string;
const home = '/home/operator';
const PASS = 'correct horse battery staple 7f3a';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mpw-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function configFile(content: unknown): Promise<string> {
  const path = join(dir, `config-${n++}.json`);
  await writeFile(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const load = (options: LoadConfigOptions): Promise<WorkerConfig> => loadConfig({ env: {}, cwd: dir, homeDir: home, ...options });

async function issuesOf(options: LoadConfigOptions): Promise<{ error: ConfigError; issues: ConfigIssue[] }> {
  const error = await load(options).then(
    () => {
      throw new Error('expected Config.Invalid');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(ConfigError);
  expect(isModelproofError(error, 'Config.Invalid')).toBe(true);
  return { error: error as ConfigError, issues: [...(error as ConfigError).issues] };
}

describe('defaults, file and environment', () => {
  test('no file, no environment: the documented defaults', async () => {
    const config = await load({});
    expect(config.chain.endpoint).toBe('ws://127.0.0.1:9944');
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.ipfs).toEqual({ apiUrl: 'http://127.0.0.1:5001', fetchTimeoutMs: DEFAULTS.fetchTimeoutMs, maxModelBytes: DEFAULTS.maxModelBytes, manifestTimeoutMs: 10_000 });
    expect(config.chain).toEqual({ endpoint: 'ws://127.0.0.1:9944', connectRetries: 5, blockTimeMs: 6000 });
    expect(config.jobs).toEqual({ inference: true, aggregation: true, autoClaim: true, minReward: '0', deadlineSafetyFactor: 3, provingTimeEstimateMs: 30_000 });
    expect(config.metrics).toEqual({ enabled: true, host: '127.0.0.1', port: 9615 });
    expect(config.queue).toEqual({ prefix: 'modelproof', concurrency: { inference: 1, aggregation: 2 } });
    expect(config.keystore.dir).toBe(join(home, '.modelproof-worker', 'keystore'));
    expect(config.artifacts).toEqual({ dir: join(home, '.modelproof-worker', 'artifacts'), maxBytes: 4 * 1024 ** 3 });
    expect(config.keystore.passphrase).toBeUndefined();
    expect(config.log.level).toBe('info');
    expect(config.file).toBeUndefined();
    expect(config.sources.size).toBe(0);
  });

  test('file values apply; relative paths in the file are relative to the file', async () => {
    const file = await configFile({
      chain: { endpoint: 'wss://rpc.example.org:443' },
      queue: { prefix: 'staging', concurrency: { inference: 3 } },
      keystore: { dir: 'keys/worker-1' },
      artifacts: { dir: 'cache/artifacts', maxBytes: 1_000_000 },
      log: { level: 'debug' },
    });
    const config = await load({ file });
    expect(config.artifacts).toEqual({ dir: join(dir, 'cache', 'artifacts'), maxBytes: 1_000_000 });
    expect(config.chain.endpoint).toBe('wss://rpc.example.org:443');
    expect(config.queue).toEqual({ prefix: 'staging', concurrency: { inference: 3, aggregation: 2 } });
    expect(config.keystore.dir).toBe(join(dir, 'keys', 'worker-1'));
    expect(config.log.level).toBe('debug');
    expect(config.file).toBe(file);
    expect(config.sources.get('chain.endpoint')).toBe(`file:${file}`);
  });

  test('environment overrides the file; strings become numbers and booleans; env paths are relative to cwd', async () => {
    const file = await configFile({ chain: { endpoint: 'ws://file-host:1' }, metrics: { port: 1000, enabled: true }, keystore: { dir: '/from/file' } });
    const config = await load({
      file,
      cwd: '/srv/worker',
      env: {
        MODELPROOF_WORKER_CHAIN_ENDPOINT: 'ws://env-host:2',
        MODELPROOF_WORKER_METRICS_PORT: '9100',
        MODELPROOF_WORKER_METRICS_ENABLED: 'false',
        MODELPROOF_WORKER_IPFS_FETCH_TIMEOUT_MS: '5000',
        MODELPROOF_WORKER_QUEUE_CONCURRENCY_AGGREGATION: '8',
        MODELPROOF_WORKER_KEYSTORE_DIR: 'ks',
        MODELPROOF_WORKER_LOG_LEVEL: '', // empty = unset
        UNRELATED_VARIABLE: 'ignored',
      },
    });
    expect(config.chain.endpoint).toBe('ws://env-host:2');
    expect(config.metrics).toEqual({ enabled: false, host: '127.0.0.1', port: 9100 });
    expect(config.ipfs.fetchTimeoutMs).toBe(5000);
    expect(config.queue.concurrency.aggregation).toBe(8);
    expect(config.keystore.dir).toBe('/srv/worker/ks');
    expect(config.log.level).toBe('info');
    expect(config.sources.get('chain.endpoint')).toBe('env:MODELPROOF_WORKER_CHAIN_ENDPOINT');
    expect(config.sources.get('metrics.port')).toBe('env:MODELPROOF_WORKER_METRICS_PORT');
  });

  test('every setting has a distinct environment variable, and each one takes effect', async () => {
    const leaves = leafSettings();
    const names = [...leaves.keys()].map(envName);
    expect(new Set(names).size).toBe(names.length);
    expect(envName('ipfs.fetchTimeoutMs')).toBe('MODELPROOF_WORKER_IPFS_FETCH_TIMEOUT_MS');
    expect(envName('queue.concurrency.inference')).toBe('MODELPROOF_WORKER_QUEUE_CONCURRENCY_INFERENCE');
    const sample: Record<string, string> = {
      'chain.endpoint': 'ws://h:1',
      'redis.url': 'redis://h:2',
      'ipfs.apiUrl': 'http://h:3',
      'metrics.host': '0.0.0.0',
      'keystore.dir': '/k',
      'artifacts.dir': '/a',
      'log.level': 'warn',
      'queue.prefix': 'p',
      'metrics.enabled': 'false',
      'ipfs.fetchTimeoutMs': '4242',
      'ipfs.manifestTimeoutMs': '2500',
      'chain.blockTimeMs': '1500',
      'jobs.minReward': '1000000000000',
      'jobs.deadlineSafetyFactor': '2.5',
    };
    for (const [path, kind] of leaves) {
      if (path === 'keystore.passphraseFile') continue; // reads a file; covered below
      const raw = sample[path] ?? (kind === 'number' ? '7' : kind === 'boolean' ? 'false' : 'x');
      const config = await load({ env: { [envName(path)]: raw } });
      expect(config.sources.get(path)).toBe(`env:${envName(path)}`);
      const value = path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], config);
      expect(String(value)).toBe(raw);
    }
  });

  test('~/ in paths is the home directory', async () => {
    const config = await load({ env: { MODELPROOF_WORKER_KEYSTORE_DIR: '~/mp/keys' } });
    expect(config.keystore.dir).toBe('/home/operator/mp/keys');
  });
});

describe('every error names its field and where the value came from', () => {
  test('bad values in the file', async () => {
    const file = await configFile({
      chain: { endpoint: 'http://127.0.0.1:9944' },
      redis: { url: 'not a url' },
      metrics: { port: 70000, enabled: 'yes' },
      queue: { prefix: 'has spaces', concurrency: { inference: 1.5 } },
      log: { level: 'verbose' },
      ipfs: { maxModelBytes: '10MB' },
    });
    const { issues, error } = await issuesOf({ file });
    const src = `file:${file}`;
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'chain.endpoint', message: 'must be a ws:// or wss:// URL', source: src },
        { field: 'redis.url', message: 'must be a redis:// or rediss:// URL', source: src },
        { field: 'metrics.port', message: 'must be a port number from 0 to 65535', source: src },
        { field: 'metrics.enabled', message: 'must be true or false', source: src },
        { field: 'queue.prefix', message: 'must be 1 to 64 letters, digits, - or _', source: src },
        { field: 'queue.concurrency.inference', message: 'must be an integer from 1 to 256', source: src },
        { field: 'log.level', message: 'must be one of trace, debug, info, warn, error, fatal', source: src },
        { field: 'ipfs.maxModelBytes', message: 'must be a number', source: src },
      ]),
    );
    expect(issues).toHaveLength(8);
    expect(error.message).toContain(`chain.endpoint: must be a ws:// or wss:// URL (file ${file})`);
  });

  test('bad values in the environment name the variable', async () => {
    const { issues } = await issuesOf({
      env: {
        MODELPROOF_WORKER_CHAIN_ENDPOINT: 'localhost:9944',
        MODELPROOF_WORKER_METRICS_PORT: 'ninety',
        MODELPROOF_WORKER_METRICS_ENABLED: 'maybe',
        MODELPROOF_WORKER_IPFS_FETCH_TIMEOUT_MS: '10',
      },
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'chain.endpoint', message: 'must be a ws:// or wss:// URL', source: 'env:MODELPROOF_WORKER_CHAIN_ENDPOINT' },
        { field: 'metrics.port', message: 'must be a number', source: 'env:MODELPROOF_WORKER_METRICS_PORT' },
        { field: 'metrics.enabled', message: 'must be true or false', source: 'env:MODELPROOF_WORKER_METRICS_ENABLED' },
        { field: 'ipfs.fetchTimeoutMs', message: 'must be a number of milliseconds from 1000 to 86400000', source: 'env:MODELPROOF_WORKER_IPFS_FETCH_TIMEOUT_MS' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  test('an environment value that fixes a bad file value wins; a bad env value over a good file value is reported as env', async () => {
    const file = await configFile({ chain: { endpoint: 'http://bad' }, redis: { url: 'redis://good:6379' } });
    const { issues } = await issuesOf({
      file,
      env: { MODELPROOF_WORKER_CHAIN_ENDPOINT: 'ws://fixed:9944', MODELPROOF_WORKER_REDIS_URL: 'http://bad' },
    });
    expect(issues).toEqual([{ field: 'redis.url', message: 'must be a redis:// or rediss:// URL', source: 'env:MODELPROOF_WORKER_REDIS_URL' }]);
  });

  test('unknown settings: misspelt fields in the file, unknown MODELPROOF_WORKER_ variables', async () => {
    const file = await configFile({ chain: { endpiont: 'ws://x:1' }, queue: { concurrency: { inferense: 2 } }, extra: true });
    const { issues } = await issuesOf({ file, env: { MODELPROOF_WORKER_REDIS_ULR: 'redis://x' } });
    const src = `file:${file}`;
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'chain.endpiont', message: 'is not a known setting', source: src },
        { field: 'queue.concurrency.inferense', message: 'is not a known setting', source: src },
        { field: 'extra', message: 'is not a known setting', source: src },
        { field: '(environment)', message: 'MODELPROOF_WORKER_REDIS_ULR is not a setting of modelproof-worker', source: 'env:MODELPROOF_WORKER_REDIS_ULR' },
      ]),
    );
    expect(issues).toHaveLength(4);
  });

  test('a section of the wrong type', async () => {
    const file = await configFile({ chain: 'ws://127.0.0.1:9944' });
    const { issues } = await issuesOf({ file });
    expect(issues).toEqual([{ field: 'chain', message: 'must be an object', source: `file:${file}` }]);
  });

  test('the file itself: missing, not JSON (position only), not an object', async () => {
    const missing = join(dir, 'nope.json');
    expect((await issuesOf({ file: missing })).issues).toEqual([{ field: FILE_FIELD, message: 'config file not found', source: `file:${missing}` }]);

    const broken = await configFile(`{\n  "chain": {\n    "endpoint": ${PASS}\n  }\n}`);
    const { issues, error } = await issuesOf({ file: broken });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ field: FILE_FIELD, source: `file:${broken}` });
    expect(issues[0]!.message).toMatch(/^is not valid JSON/);
    expect(error.message).not.toContain('horse'); // V8's own message would quote the text

    const array = await configFile([1, 2]);
    expect((await issuesOf({ file: array })).issues).toEqual([{ field: FILE_FIELD, message: 'must contain a JSON object', source: `file:${array}` }]);
  });

  test('a relative file path is relative to cwd', async () => {
    const file = await configFile({ log: { level: 'warn' } });
    const config = await load({ file: file.slice(dir.length + 1) });
    expect(config.log.level).toBe('warn');
  });
});

describe('claim safety settings', () => {
  test('jobs.minReward is a decimal string of planck (u128); the safety factor a number from 1 to 100; times in ms', async () => {
    const max = ((1n << 128n) - 1n).toString();
    expect((await load({ env: { MODELPROOF_WORKER_JOBS_MIN_REWARD: max } })).jobs.minReward).toBe(max);
    const file = await configFile({ jobs: { minReward: 1000, deadlineSafetyFactor: 0.5, provingTimeEstimateMs: 0 }, chain: { blockTimeMs: 10 }, ipfs: { manifestTimeoutMs: 5 } });
    const { issues } = await issuesOf({ file });
    const src = `file:${file}`;
    expect(issues).toEqual(
      expect.arrayContaining([
        { field: 'jobs.minReward', message: 'must be a decimal string of planck from 0 to 2^128 - 1, e.g. "1000000000000"', source: src },
        { field: 'jobs.deadlineSafetyFactor', message: 'must be a number from 1 to 100', source: src },
        { field: 'jobs.provingTimeEstimateMs', message: 'must be a number of milliseconds from 1 to 86400000', source: src },
        { field: 'chain.blockTimeMs', message: 'must be a number of milliseconds from 100 to 3600000', source: src },
        { field: 'ipfs.manifestTimeoutMs', message: 'must be a number of milliseconds from 1000 to 86400000', source: src },
      ]),
    );
    expect(issues).toHaveLength(5);
    for (const bad of ['-1', '1.5', '0x10', (1n << 128n).toString(), '007']) {
      const { issues: envIssues } = await issuesOf({ env: { MODELPROOF_WORKER_JOBS_MIN_REWARD: bad } });
      expect(envIssues).toEqual([
        { field: 'jobs.minReward', message: 'must be a decimal string of planck from 0 to 2^128 - 1, e.g. "1000000000000"', source: 'env:MODELPROOF_WORKER_JOBS_MIN_REWARD' },
      ]);
    }
  });
});

describe('the keystore passphrase', () => {
  test('from the environment: a Secret that never prints', async () => {
    const config = await load({ env: { [PASSPHRASE_ENV]: PASS } });
    expect(config.keystore.passphrase?.reveal()).toBe(PASS);
    expect(requirePassphrase(config).reveal()).toBe(PASS);
    expect(JSON.stringify(config)).not.toContain(PASS);
    expect(inspect(config, { depth: 10 })).not.toContain(PASS);
    expect(`${config.keystore.passphrase}`).toBe('[REDACTED]');
  });

  test('from keystore.passphraseFile (relative to the config file), less one trailing newline', async () => {
    await writeFile(join(dir, 'pass.txt'), `${PASS}\n`, { mode: 0o600 });
    const file = await configFile({ keystore: { passphraseFile: 'pass.txt' } });
    const config = await load({ file });
    expect(config.keystore.passphraseFile).toBe(join(dir, 'pass.txt'));
    expect(config.keystore.passphrase?.reveal()).toBe(PASS);
  });

  test('in the config file body it is refused, and the value is not repeated', async () => {
    const file = await configFile({ keystore: { passphrase: PASS } });
    const { issues, error } = await issuesOf({ file });
    expect(issues).toEqual([
      {
        field: 'keystore.passphrase',
        message: 'secrets are not read from the config file; set MODELPROOF_WORKER_KEYSTORE_PASSPHRASE or keystore.passphraseFile',
        source: `file:${file}`,
      },
    ]);
    expect(error.message).not.toContain(PASS);
    expect(JSON.stringify(issues)).not.toContain(PASS);
    expect(inspect(error)).not.toContain(PASS);
  });

  test('both the variable and the file: refused', async () => {
    await writeFile(join(dir, 'pass2.txt'), PASS);
    const file = await configFile({ keystore: { passphraseFile: 'pass2.txt' } });
    const { issues } = await issuesOf({ file, env: { [PASSPHRASE_ENV]: PASS } });
    expect(issues).toEqual([
      { field: 'keystore.passphrase', message: 'set either MODELPROOF_WORKER_KEYSTORE_PASSPHRASE or keystore.passphraseFile, not both', source: `env:${PASSPHRASE_ENV}` },
    ]);
    expect(JSON.stringify(issues)).not.toContain(PASS);
  });

  test('a missing or empty passphrase file names keystore.passphraseFile and its source', async () => {
    const { issues } = await issuesOf({ env: { MODELPROOF_WORKER_KEYSTORE_PASSPHRASE_FILE: '/nonexistent/pass' } });
    expect(issues).toEqual([{ field: 'keystore.passphraseFile', message: 'file not found', source: 'env:MODELPROOF_WORKER_KEYSTORE_PASSPHRASE_FILE' }]);
    await writeFile(join(dir, 'empty.txt'), '\n');
    const file = await configFile({ keystore: { passphraseFile: 'empty.txt' } });
    expect((await issuesOf({ file })).issues).toEqual([{ field: 'keystore.passphraseFile', message: 'the passphrase file is empty', source: `file:${file}` }]);
  });

  test('requirePassphrase without one names keystore.passphrase', async () => {
    const config = await load({});
    let caught: unknown;
    try {
      requirePassphrase(config);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).issues).toEqual([
      { field: 'keystore.passphrase', message: 'is required: set MODELPROOF_WORKER_KEYSTORE_PASSPHRASE or keystore.passphraseFile', source: 'default' },
    ]);
  });
});
