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
  contribute,
  createClient,
  formCommittee,
  getJob,
  getJobLimits,
  grantAccess,
  isModelproofError,
  registerCircuit,
  registerModel,
  registerWorker,
  reportContribution,
  submitInferenceResult,
} from '@modelproof/sdk';
import { generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { createIpfs } from '@modelproof/sdk/ipfs';
import {
  type IpfsStore,
  checkContribution,
  checkInferenceProof,
  computePartialSum,
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
let ferdie: ModelproofClient;
let mallory: ModelproofClient;
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
  ferdie = alice.withSigner(pair('Ferdie'));
  mallory = alice.withSigner(pair('Alice//stash'));

  // Alice owns a ZK-capable model (commitment = our Poseidon of the weights) and registers the circuit.
  const digest = fieldToHex(123n);
  modelId = (await registerModel(alice, { digest, ciphertextDigest: fieldToHex(456n), cid: 'bafy-model', zkCommitment: modelCommitment(weights), royalty: 50_000 })).modelId;
  circuitId = (await registerCircuit(alice, { vk })).circuitId;
  // Workers publish their X25519 keys (Eve's key only seals her aggregation results).
  await registerWorker(bob, { encryptionKey: keys.bob.publicKey });
  await registerWorker(charlie, { encryptionKey: keys.charlie.publicKey });
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
  /** The secret key of each worker, by address (the draw decides the committee order). */
  const memberKey = (address: string): Uint8Array => (address === bob.address ? keys.bob.secretKey : keys.charlie.secretKey);

  /** Eve's job over `participants`; Bob and Charlie apply and the committee is drawn. */
  async function drawnJob(participants: string[], vectorLen: number): Promise<{ jobId: bigint; committee: string[] }> {
    const limits = getJobLimits(alice);
    const contributionDeadline = (await head()) + limits.candidacyPeriod + 30;
    const { jobId } = await createAggregationJob(eve, {
      participants,
      committeeSize: 2,
      vectorLen,
      reward: 2_000_000_000n,
      contributionDeadline,
      deadline: contributionDeadline + 1 + limits.reviewPeriod + limits.minDeliveryPeriod + 20,
      resultKey: keys.eve.publicKey,
    });
    await claimJob(bob, { jobId });
    await claimJob(charlie, { jobId });
    const job = await getJob(alice, jobId);
    if (job?.kind.type !== 'Aggregation') throw new Error('aggregation job expected');
    await devnet.newBlock(job.kind.candidacyEnd + 2 - (await head()));
    const { committee } = await formCommittee(dave, { jobId });
    const formed = await waitForCommittee(eve, jobId, { timeoutMs: 10_000 });
    expect(formed.kind.type === 'Aggregation' && formed.kind.committee).toEqual(committee);
    return { jobId, committee };
  }

  /** Closes contributions and moves past the review period. */
  async function closeAndReview(jobId: bigint, expected: number): Promise<void> {
    const closed = await closeContributions(eve, { jobId });
    expect(closed.contributors).toBe(expected);
    await devnet.newBlock(closed.reviewEnd + 1 - (await head()));
  }

  test('create → drawn committee → contribute (shares sealed per member) → close → review → partials → fetchAggregate', async () => {
    const scaleBits = 16;
    const vectors = [
      [1.5, -2.25, 0, 1000.125, -0.5],
      [-1.5, 4, 3.75, -2000, -0.25],
      [0.25, 0.5, -1, 7, 3],
    ];
    const contributors = [alice, dave, ferdie];
    const limits = getJobLimits(alice);
    const early = await createAggregationJob(eve, {
      participants: contributors.map((c) => c.address!),
      committeeSize: 2,
      vectorLen: 5,
      reward: 1_000n,
      contributionDeadline: (await head()) + limits.candidacyPeriod + 30,
      deadline: (await head()) + limits.candidacyPeriod + 80,
      resultKey: keys.eve.publicKey,
    });
    await rejectsWith(contributeVector(alice, store, { jobId: early.jobId, vector: vectors[0]!, scaleBits }), 'Job.NotReady');

    const { jobId, committee } = await drawnJob(contributors.map((c) => c.address!), 5);
    await rejectsWith(contributeVector(bob, store, { jobId, vector: vectors[0]!, scaleBits }), 'Job.NotAuthorized');
    await rejectsWith(contributeVector(alice, store, { jobId, vector: vectors[0]!.slice(1), scaleBits }), 'Job.VectorLengthMismatch');
    await rejectsWith(contributeVector(alice, store, { jobId, vector: [2 ** 200, 0, 0, 0, 0], scaleBits }), 'Smpc.Overflow');
    // A participant that wants a larger committee than the job has refuses before uploading anything.
    await rejectsWith(contributeVector(alice, store, { jobId, vector: vectors[0]!, scaleBits, privacy: { minCommitteeSize: 3 } }), 'Job.BelowPrivacyMinimum');
    const fromAlice = await contributeVector(alice, store, { jobId, vector: vectors[0]!, scaleBits });
    await contributeVector(dave, store, { jobId, vector: vectors[1]!, scaleBits });
    await contributeVector(ferdie, store, { jobId, vector: vectors[2]!, scaleBits });

    // The manifest on IPFS is the one the chain recorded; a single share reveals nothing obvious.
    const manifest = parseManifest(await store.cat(fromAlice.manifestCid), { digest: fromAlice.manifestDigest, jobId });
    expect(manifest.shares.map((s) => s.index)).toEqual([0, 1]);
    const first = manifest.shares[0]!;
    const share = await openShare(await store.cat(first.cid), memberKey(committee[0]!), { jobId, index: 0, from: manifest.participant, to: first.member });
    expect(share.map(fromField).every((v) => v > 1n << 100n || v < -(1n << 100n))).toBe(true);
    // The other member cannot open it.
    await rejectsWith(openShare(await store.cat(first.cid), memberKey(committee[1]!), { jobId, index: 0, from: manifest.participant, to: first.member }), 'Smpc.WrongKey');

    const [m0, m1] = [committee[0]!, committee[1]!];
    const client = (address: string): ModelproofClient => (address === bob.address ? bob : charlie);
    await rejectsWith(submitPartialSum(client(m0), store, { jobId, memberSecretKey: memberKey(m0) }), 'Job.NotReady');
    const closed = await closeContributions(eve, { jobId });
    expect(closed.contributors).toBe(3);
    // Partial sums come after the review period.
    await rejectsWith(submitPartialSum(client(m0), store, { jobId, memberSecretKey: memberKey(m0) }), 'ComputeJobs.ReviewNotOver');
    await devnet.newBlock(closed.reviewEnd + 1 - (await head()));
    await rejectsWith(fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey }), 'Job.NotReady');
    await rejectsWith(submitPartialSum(dave, store, { jobId, memberSecretKey: memberKey(m0) }), 'Job.NotAuthorized');
    await rejectsWith(submitPartialSum(client(m0), store, { jobId, memberSecretKey: memberKey(m1) }), 'Smpc.WrongKey');

    const partial0 = await submitPartialSum(client(m0), store, { jobId, memberSecretKey: memberKey(m0) });
    expect(partial0.contributors).toBe(3);
    expect(partial0.receipt.completed).toBe(false);
    const completed = waitForAggregate(eve, jobId, { timeoutMs: 10_000 });
    expect((await submitPartialSum(client(m1), store, { jobId, memberSecretKey: memberKey(m1) })).receipt.completed).toBe(true);
    expect((await completed).status).toBe('Completed');

    // The partials are sealed to the job's result key: Eve opens them, nobody else.
    const aggregate = await fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey, scaleBits });
    expect(aggregate.contributors).toBe(3);
    const expected = vectors[0]!.map((_, i) => vectors.reduce((sum, v) => sum + v[i]!, 0));
    expect(aggregate.values).toEqual(expected);
    await rejectsWith(fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.bob.secretKey }), 'Smpc.WrongKey');

    // Tampered IPFS content (a partial's bytes changed) is caught by its on-chain digest.
    store.corrupt.add(partial0.partialCid);
    await rejectsWith(fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey }), 'Job.BadContribution');
    store.corrupt.delete(partial0.partialCid);
    expect((await fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey })).sum).toEqual(aggregate.sum);

    // An aggregation job is not an inference job.
    await rejectsWith(verifyInferenceJob(eve, jobId), 'Job.WrongKind');
  }, 180_000);

  test('a contribution a member cannot open is found by checkContribution, rejected, and left out of the aggregate', async () => {
    const { jobId, committee } = await drawnJob([alice.address!, dave.address!, ferdie.address!, mallory.address!], 2);
    await contributeVector(alice, store, { jobId, vector: [5n, -6n] });
    await contributeVector(dave, store, { jobId, vector: [1n, 1n] });
    await contributeVector(ferdie, store, { jobId, vector: [10n, 20n] });
    // Mallory posts a manifest that does not match its on-chain digest.
    const junk = await store.add(new TextEncoder().encode('{"not":"a manifest"}'));
    await contribute(mallory, { jobId, manifestCid: junk, manifestDigest: fieldToHex(99n) });

    const m0 = committee[0]!;
    const member = m0 === bob.address ? bob : charlie;
    await checkContribution(member, store, { jobId, participant: alice.address!, memberSecretKey: memberKey(m0) });
    const error = await rejectsWith<import('@modelproof/sdk/jobs').JobError>(
      checkContribution(member, store, { jobId, participant: mallory.address!, memberSecretKey: memberKey(m0) }),
      'Job.BadContribution',
    );
    expect(error.details['participant']).toBe(mallory.address);
    // Without the rejection the member could not compute its partial…
    await closeAndReview(jobId, 4);
    await rejectsWith(computePartialSum(member, store, { jobId, memberSecretKey: memberKey(m0) }), 'Job.BadContribution');
  }, 120_000);

  test('rejected during the review period, the faulty contribution is left out of every partial', async () => {
    const { jobId, committee } = await drawnJob([alice.address!, dave.address!, ferdie.address!, mallory.address!], 2);
    await contributeVector(alice, store, { jobId, vector: [5n, -6n] });
    await contributeVector(dave, store, { jobId, vector: [1n, 1n] });
    await contributeVector(ferdie, store, { jobId, vector: [10n, 20n] });
    const junk = await store.add(new TextEncoder().encode('junk'));
    await contribute(mallory, { jobId, manifestCid: junk, manifestDigest: fieldToHex(98n) });
    const clients = committee.map((m) => ({ address: m, client: m === bob.address ? bob : charlie }));
    await reportContribution(clients[0]!.client, { jobId, participant: mallory.address! });
    await closeAndReview(jobId, 3);
    for (const { address, client } of clients) {
      expect((await submitPartialSum(client, store, { jobId, memberSecretKey: memberKey(address) })).contributors).toBe(3);
    }
    const aggregate = await fetchAggregate(eve, store, { jobId, ownerSecretKey: keys.eve.secretKey });
    expect(aggregate).toMatchObject({ contributors: 3, sum: [16n, 15n] });
  }, 120_000);
});
