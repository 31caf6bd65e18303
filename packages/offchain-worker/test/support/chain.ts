/**
 * Chain fixture of the worker's tests: a fresh devnet with a Kubo node, Alice's model bound to
 * the circuits/fixture_2x2 test circuit (its manifest on Kubo says 1 KiB, the encrypted object
 * itself is not needed by the test processors), Bob registered as a worker with a grant on it,
 * Charlie registered without one, Dave the consumer; a log capture with awaitable records.
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
import { type EncryptionKeyPair, generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { createIpfs } from '@modelproof/sdk/ipfs';
import { encodeManifest } from '@modelproof/sdk/models';
import { fieldToHex } from '@modelproof/sdk/zk';

import { createLogger, type Logger } from '../../src/log/index.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..', '..');
export const fixture = JSON.parse(readFileSync(join(ROOT, 'circuits', 'build', 'fixture_2x2', 'fixture.json'), 'utf8')) as {
  input_hash: string;
  out_commitment: string;
  expected_outputs_field: string[];
};
export const PROCESSOR = join(import.meta.dirname, 'fixture-processor.mjs');
export const expectedOutputs = fixture.expected_outputs_field.map((v) => fieldToHex(BigInt(v)));
/** What `InferenceOutputs` holds after the test processor's result for a job. */
export const expectedResult = { output: expectedOutputs, outputCommitment: fieldToHex(BigInt(fixture.out_commitment)), sealedOutputCid: null };

export interface ChainFixture {
  devnet: Devnet;
  alice: ModelproofClient;
  bob: ModelproofClient;
  charlie: ModelproofClient;
  dave: ModelproofClient;
  bobPair: KeyringPair;
  /** The X25519 key pair Bob registered with (grants and shares are sealed to it). */
  bobKeys: EncryptionKeyPair;
  charliePair: KeyringPair;
  /** Kubo RPC API of the devnet's IPFS node. */
  ipfsApiUrl: string;
  modelId: bigint;
  circuitId: Hex;
  head(): Promise<number>;
  nonceOf(address: string): Promise<number>;
  submitJob(inputCid?: string, options?: { reward?: bigint; blocks?: number }): Promise<bigint>;
  stop(): Promise<void>;
}

export interface ChainFixtureOptions {
  /** The devnet's idle block interval (ms): blocks keep coming without transactions. */
  blockTime?: number;
}

export async function setupChain(options: ChainFixtureOptions = {}): Promise<ChainFixture> {
  await cryptoWaitReady();
  const devnet = await startDevnet({ port: 0, ipfs: true, ...(options.blockTime !== undefined && { blockTime: options.blockTime }) });
  const ipfsApiUrl = devnet.ipfs!.apiUrl;
  const ipfs = createIpfs({ url: ipfsApiUrl });
  const object = await ipfs.add(new Uint8Array(1024));
  const manifestCid = await ipfs.add(encodeManifest({ object, size: 1024, leaves: new Uint8Array(32) }));
  const keyring = new Keyring({ type: 'sr25519' });
  const bobPair = keyring.addFromUri('//Bob');
  const charliePair = keyring.addFromUri('//Charlie');
  const alice = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
  const bob = alice.withSigner(bobPair);
  const charlie = alice.withSigner(charliePair);
  const dave = alice.withSigner(keyring.addFromUri('//Dave'));
  const vk = new Uint8Array(readFileSync(join(ROOT, 'runtime-spec', 'circuits', 'fixture_2x2', 'vk.bin')));
  const circuitId = (await registerCircuit(alice, { vk })).circuitId;
  const modelId = (
    await registerModel(alice, {
      digest: fieldToHex(901n),
      ciphertextDigest: fieldToHex(902n),
      cid: manifestCid,
      circuitId,
      royalty: 50_000,
    })
  ).modelId;
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
    bobKeys: enc,
    charliePair,
    ipfsApiUrl,
    modelId,
    circuitId,
    head,
    nonceOf: async (address) => (await alice.api.rpc.system.accountNextIndex(address)).toNumber(),
    async submitJob(inputCid = 'bafy-input', { reward = 1_000_000_000_000n, blocks = 500 } = {}) {
      const receipt = await submitInferenceJob(dave, {
        modelId,
        inputHash: fieldToHex(BigInt(fixture.input_hash)),
        inputCid,
        reward,
        deadline: (await head()) + blocks,
      });
      return receipt.jobId;
    },
    async stop() {
      await alice.disconnect();
      await devnet.stop();
    },
  };
}

/** A debug logger whose JSON records can be awaited (with MODELPROOF_TEST_LOG set, also written to stderr). */
export function captureLog(): { logger: Logger; records: Array<Record<string, unknown>>; logged(match: (r: Record<string, unknown>) => boolean, since?: number): Promise<Record<string, unknown>> } {
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }> = [];
  const logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        if (process.env['MODELPROOF_TEST_LOG']) process.stderr.write(line);
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
