/**
 * The local stack: a devnet (chopsticks on the committed runtime) with its Redis and Kubo, and
 * `workers` worker daemons provisioned from scratch (keys, funding, registration) in a
 * temporary directory that `stop()` removes.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { createClient, type ModelproofClient } from '@modelproof/sdk';
import { createIpfs, type Ipfs } from '@modelproof/sdk/ipfs';

import { StackError } from './errors.js';
import { provisionWorkers, type RunningWorker, type StackEndpoints, startWorker } from './workers.js';

const UNIT = 1_000_000_000_000n;
/** The devnet's idle block interval: the workers' `chain.blockTimeMs`. */
export const STACK_BLOCK_TIME_MS = 1000;

export interface StackOptions {
  /** Chain RPC port (default 9944; 0 picks a free one). */
  port?: number;
  /** Worker daemons to run (default 3). */
  workers?: number;
  /** Where keystores, configs and logs go (default: a new temporary directory, removed by `stop()`). */
  stateDir?: string;
  /** Progress lines while the stack starts. */
  progress?: (line: string) => void;
  /** Worker log records at level warn or above. */
  onWorkerProblem?: (worker: string, record: Record<string, unknown>) => void;
}

export interface Stack {
  readonly endpoints: StackEndpoints & { ipfsGateway: string };
  readonly devnet: Devnet;
  readonly workers: readonly RunningWorker[];
  readonly stateDir: string;
  /** A client of the chain (Alice's signer), disconnected by `stop()`. */
  readonly client: ModelproofClient;
  readonly ipfs: Ipfs;
  /** Stops the workers (SIGTERM, waits), then the chain, Redis and Kubo; removes a temporary state dir. Idempotent. */
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const count = options.workers ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > 16) throw new StackError('Stack.InvalidOption', `workers must be an integer from 1 to 16, got ${count}`);
  const say = options.progress ?? (() => undefined);
  const ownStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'modelproof-stack-')));
  const passphrase = randomBytes(24).toString('base64url');

  let devnet: Devnet | undefined;
  let client: ModelproofClient | undefined;
  const workers: RunningWorker[] = [];
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await Promise.all(workers.map((w) => w.stop()));
      await client?.disconnect().catch(() => undefined);
      await devnet?.stop();
      if (ownStateDir) await rm(stateDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await cryptoWaitReady();
    // An empty block after a second without one: committee candidacy and review periods (in
    // blocks) pass without traffic, like on a real chain (6 s there).
    devnet = await startDevnet({ port: options.port ?? 9944, ipfs: true, redis: true, blockTime: STACK_BLOCK_TIME_MS });
    const endpoints = { chain: devnet.endpoint, redis: devnet.redis!.url, ipfs: devnet.ipfs!.apiUrl, ipfsGateway: devnet.ipfs!.gatewayUrl };
    say(`chain ${endpoints.chain}, Redis ${endpoints.redis}, IPFS ${endpoints.ipfs}`);
    const alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
    client = await createClient({ endpoint: devnet.endpoint, signer: alice });

    const names = Array.from({ length: count }, (_, i) => `worker-${i + 1}`);
    const provisioned = await provisionWorkers({
      funder: client,
      endpoints,
      dir: join(stateDir, 'workers'),
      passphrase,
      funding: 1_000n * UNIT,
      names,
      // the workers judge deadlines in blocks at this pace
      config: { chain: { blockTimeMs: STACK_BLOCK_TIME_MS } },
    });
    say(`${count} workers: keys generated, funded with 1000 UNIT each, registered on chain`);
    for (const worker of provisioned) {
      workers.push(await startWorker(worker, { passphrase, ...(options.onWorkerProblem && { onProblem: options.onWorkerProblem }) }));
    }
    return {
      endpoints,
      devnet,
      workers,
      stateDir,
      client,
      ipfs: createIpfs({ url: endpoints.ipfs }),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
