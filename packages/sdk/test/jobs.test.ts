/**
 * @modelproof/sdk/jobs against the real devnet (chopsticks running the committed runtime).
 *
 * IPFS is a real Kubo node (`startIpfs`) behind `@modelproof/sdk/ipfs`. For the tampered-content
 * case the helpers are pointed at a compromised endpoint in front of it: content addressing makes
 * altering bytes inside Kubo impossible, so a lying node is the realistic way to be served them.
 *
 * The "worker" and "committee" are played by this test with the SDK's own helpers (snarkjs,
 * a root devDependency, proves in the test only).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, type IpfsNode, startDevnet, startIpfs } from '@modelproof/devnet';
import {
  type Hex,
  type ModelproofClient,
  claimJob,
  closeContributions,
  createClient,
  getJob,
  grantAccess,
  isModelproofError,
  registerCircuit,
  registerModel,
  registerWorker,
  submitInferenceResult,
} from '@modelproof/sdk';
import { generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { createIpfs } from '@modelproof/sdk/ipfs';
import {
  type IpfsStore,
  checkInferenceProof,
  contributeVector,
  createAggregationJob,
  encodeInferenceInput,
  fetchAggregate,
  parseInferenceInput,
  submitInferenceAndWait,
  submitPartialSum,
  verifyInferenceJob,
  waitForAggregate,
  waitForCommittee,
} from '@modelproof/sdk/jobs';
import { openShare, parseManifest } from '@modelproof/sdk/smpc';
import { fieldToHex, fromField, inputHash, modelCommitment, toField } from '@modelproof/sdk/zk';
import { rejectsWith } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BUILD = join(ROOT, 'circuits', 'build', 'mlp_2x2');
const vk = new Uint8Array(readFileSync(join(ROOT, 'runtime-spec', 'circuits', 'mlp_2x2', 'vk.bin')));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let snarkjs: Any;
let encoding: { encodeProof(p: unknown): Uint8Array };

/** A compromised IPFS endpoint in front of real Kubo: serves altered bytes for the CIDs in `corrupt`. */
class TamperingEndpoint implements IpfsStore {
  readonly corrupt = new Set<string>();
  constructor(private readonly inner: IpfsStore) {}
  add(bytes: Uint8Array): Promise<string> {
    return this.inner.add(bytes);
  }
  async cat(cid: string): Promise<Uint8Array> {
    const bytes = await this.inner.cat(cid);
    if (!this.corrupt.has(cid)) return bytes;
    const altered = bytes.slice();
    altered[altered.length - 1]! ^= 1;
    return altered;
  }
}


let devnet: Devnet;
let alice: ModelproofClient;
let bob: ModelproofClient;
let charlie: ModelproofClient;
let dave: ModelproofClient;
let eve: ModelproofClient;
const keys = { bob: generateEncryptionKeyPair(), charlie: generateEncryptionKeyPair(), eve: generateEncryptionKeyPair() };
let ipfsNode: IpfsNode;
let store: TamperingEndpoint;

const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();

/** Resolves once `read()` gives a value: checked now and at every new block (the subscription is live before the first check). */
async function eventually<T>(read: () => Promise<T | null>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let unsub: (() => void) | undefined;
    const attempt = async (): Promise<void> => {
      if (done) return;
      try {
        const value = await read();
        if (value !== null && !done) {
          done = true;
          unsub?.();
          resolve(value);
        }
      } catch (e) {
        done = true;
        unsub?.();
        reject(e);
      }
    };
    alice.api.rpc.chain
      .subscribeNewHeads(() => void attempt())
      .then((u) => {
        unsub = u;
        if (done) u();
        return attempt();
      })
      .catch(reject);
  });
}

// The model: y = W·x + b over the field (circuits/mlp_2x2).
const W = [[3n, -7n], [-2n, 11n]];
const b = [-5n, 8n];
const weights = [...W.flat(), ...b];
let modelId: bigint;
let circuitId: Hex;

/** Plays the worker for one inference job: claim, fetch and check the input, prove with snarkjs, post. */
async function serveInference(jobId: bigint): Promise<void> {
  const job = await eventually(() => getJob(alice, jobId));
  if (job.kind.type !== 'Inference') throw new Error('not an inference job');
  await claimJob(bob, { jobId });
  const x = parseInferenceInput(await store.cat(job.kind.inputCid), { inputHash: job.kind.inputHash }).map(fromField);
  const y = W.map((row, i) => row[0]! * x[0]! + row[1]! * x[1]! + b[i]!);
  const { proof } = await snarkjs.groth16.fullProve(
    {
      W: W.map((row) => row.map((v) => toField(v).toString())),
      b: b.map((v) => toField(v).toString()),
      x: x.map((v) => toField(v).toString()),
      job_id: jobId.toString(),
      zk_commitment: BigInt(modelCommitment(weights)).toString(),
      input_hash: BigInt(job.kind.inputHash).toString(),
    },
    join(BUILD, 'mlp_2x2.wasm'),
    join(BUILD, 'mlp_2x2.zkey'),
  );
  await submitInferenceResult(bob, { jobId, output: y.map(toField), proof: encoding.encodeProof(proof) });
}

beforeAll(async () => {
  await cryptoWaitReady();
  snarkjs = await import('snarkjs' as string);
  encoding = await import(join(ROOT, 'circuits', 'lib', 'encoding.mjs') as string);
  const keyring = new Keyring({ type: 'sr25519' });
  const pair = (n: string): KeyringPair => keyring.addFromUri(`//${n}`);
  devnet = await startDevnet();
  ipfsNode = await startIpfs();
  store = new TamperingEndpoint(createIpfs({ url: ipfsNode.apiUrl }));
  alice = await createClient({ endpoint: devnet.endpoint, signer: pair('Alice') });
  bob = alice.withSigner(pair('Bob'));
  charlie = alice.withSigner(pair('Charlie'));
  dave = alice.withSigner(pair('Dave'));
  eve = alice.withSigner(pair('Eve'));

  // Alice owns a ZK-capable model (commitment = our Poseidon of the weights) and registers the circuit.
  const digest = fieldToHex(123n);
  modelId = (await registerModel(alice, { digest, ciphertextDigest: fieldToHex(456n), cid: 'bafy-model', zkCommitment: modelCommitment(weights), royalty: 50_000 })).modelId;
  circuitId = (await registerCircuit(alice, { vk })).circuitId;
  // Workers publish their X25519 keys; Eve too (v1: the aggregation owner's key comes from there).
  await registerWorker(bob, { encryptionKey: keys.bob.publicKey });
  await registerWorker(charlie, { encryptionKey: keys.charlie.publicKey });
  await registerWorker(eve, { encryptionKey: keys.eve.publicKey });
  await grantAccess(alice, { modelId, grantee: bob.address!, envelope: await wrapKey(generateContentKey(), keys.bob.publicKey) });
}, 120_000);

afterAll(async () => {
  await alice?.disconnect();
  await devnet?.stop();
  await ipfsNode?.stop();
  await (globalThis as Any).curve_bn128?.terminate();
});

describe('verifiable inference (real devnet, real Kubo)', () => {
  test('submitInferenceAndWait: submits, waits, re-verifies the accepted proof locally, returns signed outputs', async () => {
    const x = [-4n, 9n];
    const expected = W.map((row, i) => row[0]! * x[0]! + row[1]! * x[1]! + b[i]!); // [-80, 107]
    const jobId = (await alice.api.query['computeJobs']!['nextJobId']!()).toPrimitive() as number;
    const worker = serveInference(BigInt(jobId));
    const result = await submitInferenceAndWait(
      dave,
      { modelId, circuitId, inputs: x, reward: 1_000_000_000n, deadline: (await head()) + 100 },
      { ipfs: store, timeoutMs: 60_000, outputScaleBits: 0 },
    );
    await worker;
    expect(result.jobId).toBe(BigInt(jobId));
    expect(result.verified).toBe(true);
    expect(result.outputs).toEqual(expected);
    expect(result.values).toEqual(expected.map(Number));
    expect(result.outputFields).toEqual(expected.map((v) => fieldToHex(toField(v))));
    expect(result.inputHash).toBe(inputHash(x));
    expect(parseInferenceInput(await store.cat(result.inputCid))).toEqual(x.map(toField));
    expect(result.worker).toBe(bob.address);
    expect(result.proof).toHaveLength(256);
    expect(result.receipt.jobId).toBe(BigInt(jobId));
    expect(result.completedIn.blockNumber).toBeGreaterThan(result.receipt.blockNumber);
    const block = await alice.api.rpc.chain.getBlock(result.completedIn.blockHash);
    expect(block.block.extrinsics[result.completedIn.extrinsicIndex]!.method.method).toBe('submitInferenceResult');

    // verifyInferenceJob re-checks any completed job by id, with the same answer.
    const again = await verifyInferenceJob(charlie, BigInt(jobId));
    expect(again.outputs).toEqual(expected);
    expect(again.completedIn).toEqual(result.completedIn);
    expect(Buffer.from(again.proof)).toEqual(Buffer.from(result.proof));

    // The same proof and chain data, altered, fail the local check with the typed error.
    const good = { vk, proofs: [result.proof], outputs: result.outputFields, jobId: result.jobId, zkCommitment: modelCommitment(weights), inputHash: result.inputHash };
    expect(checkInferenceProof(good)).toBe(result.proof);
    await rejectsWith(Promise.resolve().then(() => checkInferenceProof({ ...good, jobId: result.jobId + 1n })), 'Zk.LocalVerificationFailed');
    await rejectsWith(Promise.resolve().then(() => checkInferenceProof({ ...good, outputs: [result.outputFields[1]!, result.outputFields[0]!] })), 'Zk.LocalVerificationFailed');
    const flipped = result.proof.slice();
    flipped[10]! ^= 1;
    const e = await rejectsWith(Promise.resolve().then(() => checkInferenceProof({ ...good, proofs: [flipped] })), 'Zk.LocalVerificationFailed');
    expect(isModelproofError((e as Error & { cause?: unknown }).cause, 'Zk.MalformedProof')).toBe(true);
  }, 120_000);

  test('errors: no worker → Client.Timeout; unknown and open jobs; no input location; the input document', async () => {
    await rejectsWith(
      submitInferenceAndWait(dave, { modelId, circuitId, inputs: [1n, 2n], inputCid: 'bafy-nobody', reward: 1_000n, deadline: (await head()) + 100 }, { timeoutMs: 1_500 }),
      'Client.Timeout',
    );
    const open = (await alice.api.query['computeJobs']!['nextJobId']!()).toPrimitive() as number;
    await rejectsWith(verifyInferenceJob(alice, BigInt(open - 1)), 'Job.NotReady');
    await rejectsWith(verifyInferenceJob(alice, 9_999n), 'Job.NotFound');
    await rejectsWith(submitInferenceAndWait(dave, { modelId, circuitId, inputs: [1n, 2n], reward: 1_000n, deadline: (await head()) + 100 }), 'Job.InvalidParams');
    await rejectsWith(submitInferenceAndWait(dave, { modelId, circuitId, inputs: [0.5, 2], reward: 1_000n, deadline: (await head()) + 100 }, { ipfs: store }), 'Job.InvalidParams');
    // The input document: canonical, and bound to the job's input hash.
    const doc = encodeInferenceInput([toField(-4n), 9n]);
    expect(parseInferenceInput(doc, { inputHash: inputHash([-4n, 9n]) })).toEqual([toField(-4n), 9n]);
    await rejectsWith(Promise.resolve().then(() => parseInferenceInput(doc, { inputHash: inputHash([4n, 9n]) })), 'Job.BadInput');
    await rejectsWith(Promise.resolve().then(() => parseInferenceInput(new TextEncoder().encode('{"format":"x"}'))), 'Job.BadInput');
  }, 60_000);
});

describe('secure aggregation (real devnet, real Kubo)', () => {
  test('create → committee → contribute (shares sealed per member) → close → partials → fetchAggregate', async () => {
    const now = await head();
    const scaleBits = 16;
    const aliceVec = [1.5, -2.25, 0, 1000.125, -0.5];
    const daveVec = [-1.5, 4, 3.75, -2000, -0.25];
    const { jobId } = await createAggregationJob(eve, {
      participants: [alice.address!, dave.address!],
      committeeSize: 2,
      vectorLen: 5,
      reward: 2_000_000_000n,
      contributionDeadline: now + 60,
      deadline: now + 120,
    });
    await rejectsWith(contributeVector(alice, store, { jobId, vector: aliceVec, scaleBits }), 'Job.NotReady');
    await claimJob(bob, { jobId });
    await claimJob(charlie, { jobId });
    const formed = await waitForCommittee(eve, jobId, { timeoutMs: 10_000 });
    expect(formed.kind.type === 'Aggregation' && formed.kind.committee).toEqual([bob.address, charlie.address]);

    await rejectsWith(contributeVector(bob, store, { jobId, vector: aliceVec, scaleBits }), 'Job.NotAuthorized');
    await rejectsWith(contributeVector(alice, store, { jobId, vector: aliceVec.slice(1), scaleBits }), 'Job.VectorLengthMismatch');
    await rejectsWith(contributeVector(alice, store, { jobId, vector: [2 ** 200, 0, 0, 0, 0], scaleBits }), 'Smpc.Overflow');
    const fromAlice = await contributeVector(alice, store, { jobId, vector: aliceVec, scaleBits });
    await contributeVector(dave, store, { jobId, vector: daveVec, scaleBits });

    // The manifest on IPFS is the one the chain recorded; a single share reveals nothing obvious.
    const manifest = parseManifest(await store.cat(fromAlice.manifestCid), { digest: fromAlice.manifestDigest, jobId });
    expect(manifest.shares.map((s) => s.index)).toEqual([0, 1]);
    const bobShare = await openShare(await store.cat(manifest.shares[0]!.cid), keys.bob.secretKey, {
      jobId,
      index: 0,
      from: manifest.participant,
      to: manifest.shares[0]!.member,
    });
    expect(bobShare.map(fromField).every((v) => v > 1n << 100n || v < -(1n << 100n))).toBe(true);
    // Charlie cannot open Bob's share.
    await rejectsWith(openShare(await store.cat(manifest.shares[0]!.cid), keys.charlie.secretKey, { jobId, index: 0, from: manifest.participant, to: manifest.shares[0]!.member }), 'Smpc.WrongKey');

    await rejectsWith(submitPartialSum(bob, store, { jobId, memberSecretKey: keys.bob.secretKey }), 'Job.NotReady');
    expect((await closeContributions(eve, { jobId })).contributors).toBe(2);
    await rejectsWith(fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey }), 'Job.NotReady');
    await rejectsWith(submitPartialSum(dave, store, { jobId, memberSecretKey: keys.bob.secretKey }), 'Job.NotAuthorized');
    await rejectsWith(submitPartialSum(bob, store, { jobId, memberSecretKey: keys.charlie.secretKey }), 'Smpc.WrongKey');

    // Bob seals to the owner's registered key; Charlie is handed the owner's key explicitly.
    const partialB = await submitPartialSum(bob, store, { jobId, memberSecretKey: keys.bob.secretKey });
    expect(partialB.contributors).toBe(2);
    expect(partialB.receipt.completed).toBe(false);
    const completed = waitForAggregate(eve, jobId, { timeoutMs: 10_000 });
    const partialC = await submitPartialSum(charlie, store, { jobId, memberSecretKey: keys.charlie.secretKey, ownerPublicKey: keys.eve.publicKey });
    expect(partialC.receipt.completed).toBe(true);
    expect((await completed).status).toBe('Completed');

    const aggregate = await fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey, scaleBits });
    expect(aggregate.contributors).toBe(2);
    expect(aggregate.values).toEqual(aliceVec.map((v, i) => v + daveVec[i]!));
    expect(aggregate.sum).toEqual(aliceVec.map((v, i) => BigInt(Math.round((v + daveVec[i]!) * 2 ** scaleBits))));
    // Another key cannot open the partials.
    await rejectsWith(fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.bob.secretKey }), 'Smpc.WrongKey');

    // Tampered IPFS content (a partial's bytes changed) is caught by its on-chain digest.
    store.corrupt.add(partialB.partialCid);
    await rejectsWith(fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey }), 'Job.BadContribution');
    store.corrupt.delete(partialB.partialCid);
    expect((await fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey })).sum).toEqual(aggregate.sum);

    // An aggregation job is not an inference job.
    await rejectsWith(verifyInferenceJob(eve, jobId), 'Job.WrongKind');
  }, 120_000);

  test('a member fails with Job.OwnerKeyUnknown when the owner published no key and none is given', async () => {
    const now = await head();
    // Dave owns this job and is not a registered worker.
    const { jobId } = await createAggregationJob(dave, {
      participants: [alice.address!],
      committeeSize: 1,
      vectorLen: 2,
      reward: 1_000n,
      contributionDeadline: now + 60,
      deadline: now + 120,
    });
    await claimJob(bob, { jobId });
    await waitForCommittee(dave, jobId, { timeoutMs: 10_000 });
    await contributeVector(alice, store, { jobId, vector: [5n, -6n] });
    await closeContributions(dave, { jobId });
    await rejectsWith(submitPartialSum(bob, store, { jobId, memberSecretKey: keys.bob.secretKey }), 'Job.OwnerKeyUnknown');
    const daveKey = generateEncryptionKeyPair();
    await submitPartialSum(bob, store, { jobId, memberSecretKey: keys.bob.secretKey, ownerPublicKey: daveKey.publicKey });
    expect((await fetchAggregate(dave, store, { jobId, ownerSecretKey: daveKey.secretKey })).sum).toEqual([5n, -6n]);
  }, 60_000);
});
