/**
 * The context a BullMQ sandboxed processor runs with, built once per child process from the same
 * sources the daemon uses: the config (`loadConfig`: the file named by MODELPROOF_WORKER_CONFIG
 * plus MODELPROOF_WORKER_* env, which the daemon passes to its processors: `DaemonContext.env`) and the keystore (passphrase from
 * the env or the passphrase file). Processors need only the worker's X25519 secret and address:
 * the chain client has no signer (queries only) and the submitter posts results. IPFS requests
 * use the configured timeout and size limit.
 *
 * A failed start (chain or keystore unavailable) is not cached: the next job tries again.
 * On SIGTERM/SIGINT, when the daemon's IPC channel closes, or when the child is about to exit, the
 * client is disconnected and the cleanups registered with {@link onSandboxShutdown} run (e.g.
 * terminating snarkjs' threads).
 */
import { type ModelproofClient, createClient } from '@modelproof/sdk';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';

import { loadConfig, requirePassphrase } from '../config/index.js';
import { loadKeys } from '../keys/index.js';
import { ArtifactCache } from '../zk/artifacts.js';

export { unlessCancelled } from './cancel.js';

export interface SandboxContext {
  client: ModelproofClient;
  ipfs: Ipfs;
  x25519SecretKey: Uint8Array;
  /** The worker's SS58 address. */
  account: string;
  limits: { maxBytes: number; fetchTimeoutMs: number };
  /** The proving-artifact cache (`artifacts.dir`, `artifacts.maxBytes`). */
  artifacts: ArtifactCache;
}

let context: Promise<SandboxContext> | undefined;
let client: ModelproofClient | undefined;
const cleanups: Array<() => Promise<void>> = [];
let closing: Promise<void> | undefined;

async function build(): Promise<SandboxContext> {
  const config = await loadConfig();
  const keys = await loadKeys({ dir: config.keystore.dir, passphrase: requirePassphrase(config) });
  client = await createClient({ endpoint: config.chain.endpoint, autoConnectRetries: config.chain.connectRetries });
  return {
    client,
    ipfs: createIpfs({ url: config.ipfs.apiUrl, timeoutMs: config.ipfs.fetchTimeoutMs, maxBytes: config.ipfs.maxModelBytes }),
    x25519SecretKey: keys.x25519.secretKey,
    account: keys.address,
    limits: { maxBytes: config.ipfs.maxModelBytes, fetchTimeoutMs: config.ipfs.fetchTimeoutMs },
    artifacts: new ArtifactCache({ dir: config.artifacts.dir, maxBytes: config.artifacts.maxBytes }),
  };
}

/** The sandbox's context, built on first use. */
export function sandboxContext(): Promise<SandboxContext> {
  context ??= build().catch((error: unknown) => {
    context = undefined;
    throw error;
  });
  return context;
}

/** Registers a cleanup to run when the sandbox shuts down. */
export function onSandboxShutdown(cleanup: () => Promise<void>): void {
  cleanups.push(cleanup);
}

/** Disconnects the chain client and runs the registered cleanups (idempotent). */
export function shutdownSandbox(): Promise<void> {
  closing ??= (async () => {
    await client?.disconnect().catch(() => undefined);
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  })();
  return closing;
}

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void shutdownSandbox().finally(() => process.exit(0));
  });
}
// The daemon died without stopping us (SIGKILL, OOM): a result can no longer be delivered, and the
// job's lapsed lock hands it to the next worker, so exit instead of lingering as an orphan.
process.once('disconnect', () => {
  void shutdownSandbox().finally(() => process.exit(0));
});
process.once('beforeExit', () => {
  void shutdownSandbox();
});
