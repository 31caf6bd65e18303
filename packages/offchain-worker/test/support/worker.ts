/**
 * A worker account as an operator sets one up: keys generated into an encrypted keystore, the
 * account funded by Alice and registered on chain with its X25519 key; plus the pipeline context
 * and the environment its sandboxed processors rebuild their context from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type ModelproofClient, getJobLimits, registerWorker, submit } from '@modelproof/sdk';

import { loadConfig } from '../../src/config/index.js';
import type { DaemonContext } from '../../src/daemon/component.js';
import { generateKeys, loadKeys, type WorkerKeys } from '../../src/keys/index.js';
import type { Logger } from '../../src/log/index.js';
import { createMetrics } from '../../src/metrics/index.js';

export interface ProvisionedWorker {
  keys: WorkerKeys;
  address: string;
  /** MODELPROOF_WORKER_* settings (passphrase included): the daemon's config and its processors' environment. */
  env: Record<string, string>;
  /** A daemon context for `createPipeline`, with fresh metrics. */
  context(logger: Logger): Promise<DaemonContext>;
  remove(): Promise<void>;
}

/** Generates, funds (10 bonds) and registers a worker; `settings` are MODELPROOF_WORKER_* overrides. */
export async function provisionWorker(alice: ModelproofClient, settings: Record<string, string>, { register = true } = {}): Promise<ProvisionedWorker> {
  const dir = await mkdtemp(join(tmpdir(), 'mp-worker-keys-'));
  const passphrase = `test passphrase ${Math.random()}`;
  await generateKeys({ dir, passphrase });
  const keys = await loadKeys({ dir, passphrase });
  const bond = getJobLimits(alice).workerBond;
  await submit(alice, alice.api.tx['balances']!['transferKeepAlive']!(keys.address, bond * 10n));
  if (register) await registerWorker(alice.withSigner(keys.signer), { encryptionKey: keys.x25519.publicKey });
  const env = {
    MODELPROOF_WORKER_KEYSTORE_DIR: dir,
    MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: passphrase,
    MODELPROOF_WORKER_METRICS_ENABLED: 'false',
    MODELPROOF_WORKER_ARTIFACTS_DIR: join(dir, 'artifacts'),
    ...settings,
  };
  return {
    keys,
    address: keys.address,
    env,
    async context(logger) {
      const config = await loadConfig({ env });
      return { config, keys, logger, metrics: createMetrics({ processMetrics: false }), signal: new AbortController().signal, env };
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
