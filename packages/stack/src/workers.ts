/**
 * Worker daemons of the local stack: each gets its own keystore, config file, queue prefix and
 * log file, is funded and registered on chain, and runs as a `modelproof-worker start` child
 * process, exactly as an operator would run it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { ensureRegistered, generateKeys, loadKeys, PASSPHRASE_ENV } from '@modelproof/offchain-worker';
import { batch, buildCall, type ModelproofClient } from '@modelproof/sdk';

import { StackError } from './errors.js';

/** What a worker daemon needs to reach. */
export interface StackEndpoints {
  chain: string;
  redis: string;
  ipfs: string;
}

export interface ProvisionedWorker {
  name: string;
  /** SS58 address of the worker's signing key. */
  address: string;
  /** X25519 public key, 0x-hex, as registered on chain. */
  encryptionKey: string;
  configFile: string;
  logFile: string;
}

export interface RunningWorker extends ProvisionedWorker {
  readonly pid: number;
  /** `/metrics` and `/healthz` URLs from the worker's "worker ready" line. */
  readonly metricsUrl: string;
  readonly healthzUrl: string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. Idempotent. */
  stop(graceMs?: number): Promise<number | string>;
}

export interface ProvisionOptions {
  /** Signs the funding transfer (a funded dev account). */
  funder: ModelproofClient;
  endpoints: StackEndpoints;
  /** Directory holding one sub-directory per worker. */
  dir: string;
  /** Keystore passphrase of every worker of this stack. */
  passphrase: string;
  /** Transferred to each worker: the on-chain bond plus fees. */
  funding: bigint;
  names: readonly string[];
  /**
   * Settings merged over each worker's generated config file (section by section), e.g.
   * `{ jobs: { aggregation: false } }`; a function gets the worker's name.
   */
  config?: WorkerConfigPatch | ((name: string) => WorkerConfigPatch);
}

/** Sections of a `modelproof-worker` config file to set (see the worker's README). */
export type WorkerConfigPatch = Record<string, Record<string, unknown>>;

/** `base` with each section of `patch` merged over the same section. */
function patchConfig(base: WorkerConfigPatch, patch: WorkerConfigPatch): WorkerConfigPatch {
  const merged: WorkerConfigPatch = { ...base };
  for (const [section, values] of Object.entries(patch)) merged[section] = { ...(base[section] ?? {}), ...values };
  return merged;
}

/**
 * Generates keys and a config file per worker, funds them all in one `Utility.batch_all`, and
 * registers each worker's X25519 key on chain (`ComputeJobs.register_worker`).
 */
export async function provisionWorkers(options: ProvisionOptions): Promise<ProvisionedWorker[]> {
  const { funder, endpoints, passphrase } = options;
  const workers: Array<ProvisionedWorker & { keystore: string }> = [];
  for (const name of options.names) {
    const home = join(options.dir, name);
    const keystore = join(home, 'keystore');
    await mkdir(home, { recursive: true, mode: 0o700 });
    const keys = await generateKeys({ dir: keystore, passphrase });
    const configFile = join(home, 'config.json');
    const generated: WorkerConfigPatch = {
      chain: { endpoint: endpoints.chain },
      redis: { url: endpoints.redis },
      ipfs: { apiUrl: endpoints.ipfs },
      // one prefix per worker: each is a different operator, and only its own claims are its work
      queue: { prefix: name },
      metrics: { port: 0 },
      keystore: { dir: keystore },
      // the decrypted proving artifacts stay in the stack's state, removed with it
      artifacts: { dir: join(home, 'artifacts') },
      shutdown: { timeoutMs: 20_000 },
    };
    const patch = typeof options.config === 'function' ? options.config(name) : options.config;
    const config = patch === undefined ? generated : patchConfig(generated, patch);
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    workers.push({ name, address: keys.address, encryptionKey: keys.encryptionPublicKey, configFile, logFile: join(home, 'worker.log'), keystore });
  }

  await batch(funder, workers.map((w) => buildCall(funder, 'Balances', 'transfer_keep_alive', [w.address, options.funding])));

  for (const worker of workers) {
    const keys = await loadKeys({ dir: worker.keystore, passphrase });
    try {
      await ensureRegistered(funder.withSigner(keys.signer), { encryptionKey: keys.x25519.publicKey });
    } finally {
      keys.x25519.secretKey.fill(0);
      keys.signer.lock();
    }
  }
  return workers.map(({ keystore: _keystore, ...worker }) => worker);
}

/** The `modelproof-worker` executable of the workspace's @modelproof/offchain-worker. */
export function workerBin(): string {
  const pkg = fileURLToPath(import.meta.resolve('@modelproof/offchain-worker/package.json'));
  return join(dirname(pkg), 'bin', 'modelproof-worker.js');
}

export interface StartWorkerOptions {
  passphrase: string;
  /** The `modelproof-worker` executable (a JS file run with node); default this repository's built one ({@link workerBin}). */
  bin?: string;
  /** How long to wait for "worker ready" (default 60 s). */
  readyTimeoutMs?: number;
  /** Called with each log record at level warn or above. */
  onProblem?: (worker: string, record: Record<string, unknown>) => void;
  /** Called with every log record. */
  onRecord?: (worker: string, record: Record<string, unknown>) => void;
}

/**
 * Starts `modelproof-worker start --config <configFile>` with the passphrase in its environment
 * (never on the command line), its JSON log appended to `logFile`; resolves once it logged
 * "worker ready".
 */
export async function startWorker(worker: ProvisionedWorker, options: StartWorkerOptions): Promise<RunningWorker> {
  const env: Record<string, string> = { [PASSPHRASE_ENV]: options.passphrase };
  for (const key of ['PATH', 'HOME', 'MODELPROOF_IPFS_BIN']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  const child: ChildProcess = spawn(process.execPath, [options.bin ?? workerBin(), 'start', '--config', worker.configFile], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(worker.logFile, { flags: 'a', mode: 0o600 });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  void exited.then(() => log.end());
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    log.write(chunk);
  });

  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.write(`${line}\n`);
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      options.onRecord?.(worker.name, record);
      if (['warn', 'error', 'fatal'].includes(String(record['level']))) options.onProblem?.(worker.name, record);
      if (record['msg'] === 'worker ready') resolve(record);
    });
    void exited.then((code) =>
      reject(new StackError('Stack.WorkerFailed', `${worker.name} exited (${code}) before it was ready: ${stderr.trim() || `see ${worker.logFile}`}`)),
    );
  });

  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const stop = (() => {
    let stopping: Promise<number | string> | undefined;
    return (graceMs = 30_000): Promise<number | string> => {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          const code = await exited;
          clearTimeout(killer);
          return code;
        }
        return exited;
      })();
      return stopping;
    };
  })();

  let record: Record<string, unknown>;
  try {
    record = await Promise.race([
      ready,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StackError('Stack.WorkerFailed', `${worker.name} was not ready within ${timeoutMs} ms; see ${worker.logFile}`)), timeoutMs);
      }),
    ]);
  } catch (error) {
    await stop(5_000);
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return {
    ...worker,
    pid: child.pid!,
    metricsUrl: String(record['metrics']),
    healthzUrl: String(record['healthz']),
    exited,
    stop,
  };
}
