/**
 * Chain fixture of the worker's tests: a fresh devnet, Alice's model (the circuits/mlp_2x2
 * fixture's commitment) and circuit, Bob registered as a worker with a grant on it, Charlie
 * registered without one, Dave the consumer; a log capture with awaitable records.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import {
  type Hex,
  type ModelproofClient,
  createClient,
  grantAccess,
  registerCircuit,
  registerModel,
  registerWorker,
  submitInferenceJob,
} from '@modelproof/sdk';
import { generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { fieldToHex } from '@modelproof/sdk/zk';

import { createLogger, type Logger } from '../../src/log/index.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const fixture = JSON.parse(readFileSync(join(ROOT, 'circuits', 'build', 'mlp_2x2', 'fixture.json'), 'utf8')) as {
  zk_commitment: string;
  input_hash: string;
  expected_outputs_field: string[];
};
export const PROCESSOR = join(import.meta.dirname, 'mlp-processor.mjs');
export const expectedOutputs = fixture.expected_outputs_field.map((v) => fieldToHex(BigInt(v)));

export interface ChainFixture {
  devnet: Devnet;
  alice: ModelproofClient;
  bob: ModelproofClient;
  charlie: ModelproofClient;
  dave: ModelproofClient;
  bobPair: KeyringPair;
  charliePair: KeyringPair;
  modelId: bigint;
  circuitId: Hex;
  head(): Promise<number>;
  nonceOf(address: string): Promise<number>;
  submitJob(inputCid?: string): Promise<bigint>;
  stop(): Promise<void>;
}

export async function setupChain(): Promise<ChainFixture> {
  await cryptoWaitReady();
  const devnet = await startDevnet({ port: 0 });
  const keyring = new Keyring({ type: 'sr25519' });
  const bobPair = keyring.addFromUri('//Bob');
  const charliePair = keyring.addFromUri('//Charlie');
  const alice = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
  const bob = alice.withSigner(bobPair);
  const charlie = alice.withSigner(charliePair);
  const dave = alice.withSigner(keyring.addFromUri('//Dave'));
  const modelId = (
    await registerModel(alice, {
      digest: fieldToHex(901n),
      ciphertextDigest: fieldToHex(902n),
      cid: 'bafy-fixture-model',
      zkCommitment: fieldToHex(BigInt(fixture.zk_commitment)),
      royalty: 50_000,
    })
  ).modelId;
  const vk = new Uint8Array(readFileSync(join(ROOT, 'runtime-spec', 'circuits', 'mlp_2x2', 'vk.bin')));
  const circuitId = (await registerCircuit(alice, { vk })).circuitId;
  const enc = generateEncryptionKeyPair();
  await registerWorker(bob, { encryptionKey: enc.publicKey });
  await registerWorker(charlie, { encryptionKey: generateEncryptionKeyPair().publicKey });
  await grantAccess(alice, { modelId, grantee: bobPair.address, envelope: await wrapKey(generateContentKey(), enc.publicKey) });
  const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();
  return {
    devnet,
    alice,
    bob,
    charlie,
    dave,
    bobPair,
    charliePair,
    modelId,
    circuitId,
    head,
    nonceOf: async (address) => (await alice.api.rpc.system.accountNextIndex(address)).toNumber(),
    async submitJob(inputCid = 'bafy-input') {
      const receipt = await submitInferenceJob(dave, {
        modelId,
        circuitId,
        inputHash: fieldToHex(BigInt(fixture.input_hash)),
        inputCid,
        reward: 1_000_000_000_000n,
        deadline: (await head()) + 500,
      });
      return receipt.jobId;
    },
    async stop() {
      await alice.disconnect();
      await devnet.stop();
    },
  };
}

/** A debug logger whose JSON records can be awaited. */
export function captureLog(): { logger: Logger; records: Array<Record<string, unknown>>; logged(match: (r: Record<string, unknown>) => boolean, since?: number): Promise<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }> = [];
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        const record = JSON.parse(line) as Record<string, unknown>;
        records.push(record);
        for (const w of [...waiters]) {
          if (w.match(record)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(record);
          }
        }
      },
    },
  });
  return {
    logger,
    records,
    logged(match, since = 0) {
      const seen = records.slice(since).find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
  };
}
