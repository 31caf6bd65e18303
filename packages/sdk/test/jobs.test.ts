/**
 * @modelproof/sdk/jobs against the real devnet (chopsticks running the committed runtime).
 *
 * IPFS is a real Kubo node (`startIpfs`) behind `@modelproof/sdk/ipfs`. For the tampered-content
 * cases the helpers are pointed at a compromised endpoint in front of it: content addressing makes
 * altering bytes inside Kubo impossible, so a lying node is the realistic way to be served them.
 *
 * Verifiable inference runs on the compiled demo model (packages/stack/demo-model: 8 → 16 → 4,
 * compiled by `modelproof-model`). There is no worker daemon here: this test plays the worker with
 * real parts — a registered worker account claims the job, fetches the model bundle with its
 * grant, opens the sealed input with its X25519 key, proves with snarkjs (a root devDependency,
 * used by the test only) and posts the result; for committed outputs it seals them to the job's
 * result key. The "committee" of the aggregation jobs is played the same way.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, type IpfsNode, startDevnet, startIpfs } from '@modelproof/devnet';
import {
  type Hex,
  type Job,
  type ModelproofClient,
  circuitIdOf,
  claimJob,
  closeContributions,
  contribute,
  createClient,
  formCommittee,
  getCircuit,
  getInferenceOutputs,
  getJob,
  getJobLimits,
  getModel,
  grantAccess,
  handBackJob,
  isModelproofError,
  registerCircuit,
  registerModel,
  registerWorker,
  reportContribution,
  submitInferenceJob,
  submitInferenceJobCall,
  submitInferenceResult,
} from '@modelproof/sdk';
import { generateContentKey, generateEncryptionKeyPair, wrapKey } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import {
  type InferenceResult,
  type IpfsStore,
  type SaltedVector,
  checkContribution,
  checkInferenceProof,
  computePartialSum,
  contributeVector,
  createAggregationJob,
  fetchAggregate,
  openInferenceInput,
  quantizeInput,
  sealInferenceOutput,
  submitInferenceAndWait,
  submitPartialSum,
  verifyInferenceJob,
  waitForAggregate,
  waitForCommittee,
} from '@modelproof/sdk/jobs';
import {
  type PublishedCompiledModel,
  compiledModelFromFiles,
  decodeBundle,
  fetchModel,
  getModelInterface,
  grantModelAccess,
  publishCompiledModel,
  publishModel,
} from '@modelproof/sdk/models';
import { openShare, parseManifest } from '@modelproof/sdk/smpc';
import { dequantize, fieldToHex, fromField, inputHash, proofFromSnarkjs, publicSignals, randomSalt, toField, verifyGroth16 } from '@modelproof/sdk/zk';
import { rejectsWith } from './helpers.js';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const read = (...path: string[]): Uint8Array => new Uint8Array(readFileSync(join(ROOT, ...path)));
/** The compiled demo model, as `modelproof-model compile` wrote it. */
const DEMO_DIR = ['packages', 'stack', 'demo-model'];
const demo = compiledModelFromFiles(Object.fromEntries(['model.json', 'model.wasm', 'model.zkey', 'vk.bin'].map((f) => [f, read(...DEMO_DIR, f)])));
/** Held-out inputs of the demo model (the classifier's source data) and their true classes. */
const heldOut = JSON.parse(readFileSync(join(ROOT, 'packages', 'model-compiler', 'examples', 'blobs-classifier', 'test.json'), 'utf8')) as { inputs: number[][]; labels: number[] };
/** The test circuit: W = [[2, −3], [5, 7]], b = [1, −4] as constants (circuits/build/fixture_2x2/fixture.json). */
const FIXTURE_DIR = ['circuits', 'build', 'fixture_2x2'];
const fixtureVk = read('runtime-spec', 'circuits', 'fixture_2x2', 'vk.bin');
const DEMO_OUTPUTS = 4;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
let snarkjs: Any;

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
let ipfs: Ipfs;
let store: TamperingEndpoint;

const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();
const nextJobId = async (): Promise<bigint> => BigInt((await alice.api.query['computeJobs']!['nextJobId']!()).toPrimitive() as number);

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

// ---------------------------------------------------------------------------------------------
// the worker, played by the test

/** Alice's demo model (the circuit registered with it), and Bob's copy of its proving artifacts, from the bundle his grant opens. */
let published: PublishedCompiledModel;
let bundle: Map<string, Uint8Array>;

/** A Groth16 proof of the model's circuit for one job, with the outputs the circuit computed. */
interface Proven {
  /** The outputs as field elements (what `reveal = 1` publishes). */
  y: bigint[];
  outSalt: bigint;
  /** `H(y ‖ out_salt)`, the circuit's output commitment. */
  commitment: bigint;
  proof: Uint8Array;
  /** The proof's public signals as snarkjs computed them. */
  signals: bigint[];
}

/** Proves `input` for `jobId` with a circuit's witness generator and proving key (snarkjs, in memory). */
async function prove(
  circuit: { wasm: Uint8Array; zkey: Uint8Array; outputs: number },
  input: SaltedVector,
  job: { jobId: bigint; inputHash: Hex; reveal: boolean },
): Promise<Proven> {
  const outSalt = randomSalt();
  const witnessInput = {
    x: input.values.map(String),
    in_salt: input.salt.toString(),
    out_salt: outSalt.toString(),
    job_id: job.jobId.toString(),
    input_hash: BigInt(job.inputHash).toString(),
  };
  // The outputs themselves: the witness with reveal = 1 (signal 0 is the constant 1, then y_pub…, out_commitment).
  const wtns = { type: 'mem' };
  await snarkjs.wtns.calculate({ ...witnessInput, reveal: '1' }, { type: 'mem', data: circuit.wasm }, wtns);
  const witness = ((await snarkjs.wtns.exportJson(wtns)) as Array<bigint | string>).map((v) => BigInt(v));
  const y = witness.slice(1, 1 + circuit.outputs);
  const { proof, publicSignals: signals } = await snarkjs.groth16.fullProve(
    { ...witnessInput, reveal: job.reveal ? '1' : '0' },
    { type: 'mem', data: circuit.wasm },
    { type: 'mem', data: circuit.zkey },
  );
  return { y, outSalt, commitment: witness[1 + circuit.outputs]!, proof: proofFromSnarkjs(proof), signals: (signals as string[]).map((v) => BigInt(v)) };
}

const demoCircuit = () => ({ wasm: bundle.get('model.wasm')!, zkey: bundle.get('model.zkey')!, outputs: DEMO_OUTPUTS });

interface ServeOptions {
  /** Before the honest result: submissions the chain must reject (they see what would be posted). */
  attempts?: (honest: { jobId: bigint; output: bigint[]; outputCommitment: bigint; sealedOutputCid?: string; proof: Uint8Array }) => Promise<void>;
  /** A cheating worker: seals these instead of the outputs it proved. */
  sealOtherOutputs?: (y: bigint[]) => bigint[];
}

interface Served extends Proven {
  job: Job;
  input: SaltedVector;
  sealedOutputCid?: string;
}

/** Plays Bob's worker for one inference job on the demo model: claim, open the sealed input, prove, (seal the outputs,) post. */
async function serveInference(jobId: bigint, options: ServeOptions = {}): Promise<Served> {
  const job = await eventually(() => getJob(alice, jobId));
  if (job.kind.type !== 'Inference') throw new Error('not an inference job');
  const { modelId, inputHash: hash, inputCid, outputs } = job.kind;
  await claimJob(bob, { jobId });
  const input = await openInferenceInput(await store.cat(inputCid), keys.bob, { modelId, inputHash: hash });
  const committed = outputs.type === 'Committed';
  const proven = await prove(demoCircuit(), input, { jobId, inputHash: hash, reveal: !committed });
  let sealedOutputCid: string | undefined;
  if (outputs.type === 'Committed') {
    const values = options.sealOtherOutputs ? options.sealOtherOutputs(proven.y) : proven.y;
    sealedOutputCid = await store.add(await sealInferenceOutput({ values, salt: proven.outSalt }, hexToU8a(outputs.resultKey), jobId));
  }
  const honest = {
    jobId,
    output: committed ? [] : proven.y,
    outputCommitment: proven.commitment,
    ...(sealedOutputCid === undefined ? {} : { sealedOutputCid }),
    proof: proven.proof,
  };
  await options.attempts?.(honest);
  await submitInferenceResult(bob, honest);
  return { ...proven, job, input, ...(sealedOutputCid === undefined ? {} : { sealedOutputCid }) };
}

/** Runs `submitInferenceAndWait` for Dave while the test's worker serves the job. */
async function inferWithWorker(
  params: { modelId?: bigint; input: number[]; outputs?: 'public' | 'committed'; resultKeys?: { secretKey: Uint8Array; publicKey: Uint8Array } },
  serve: ServeOptions = {},
): Promise<{ result: InferenceResult; served: Served }> {
  const jobId = await nextJobId();
  const deadline = (await head()) + 100;
  // Both at once: a worker failure surfaces at once rather than as the consumer's timeout.
  const [served, result] = await Promise.all([
    serveInference(jobId, serve),
    submitInferenceAndWait(
      dave,
      { modelId: params.modelId ?? published.modelId, input: params.input, reward: 1_000_000_000n, deadline, ...(params.outputs ? { outputs: params.outputs } : {}), ...(params.resultKeys ? { resultKeys: params.resultKeys } : {}) },
      { ipfs: store, timeoutMs: 60_000 },
    ),
  ]);
  expect(result.jobId).toBe(jobId);
  return { result, served };
}

const argmax = (values: readonly number[]): number => values.reduce((best, v, i) => (v > values[best]! ? i : best), 0);

beforeAll(async () => {
  await cryptoWaitReady();
  snarkjs = await import('snarkjs' as string);
  const keyring = new Keyring({ type: 'sr25519' });
  const pair = (n: string): KeyringPair => keyring.addFromUri(`//${n}`);
  devnet = await startDevnet();
  ipfsNode = await startIpfs();
  ipfs = createIpfs({ url: ipfsNode.apiUrl });
  store = new TamperingEndpoint(ipfs);
  alice = await createClient({ endpoint: devnet.endpoint, signer: pair('Alice') });
  bob = alice.withSigner(pair('Bob'));
  charlie = alice.withSigner(pair('Charlie'));
  dave = alice.withSigner(pair('Dave'));
  eve = alice.withSigner(pair('Eve'));
  ferdie = alice.withSigner(pair('Ferdie'));
  mallory = alice.withSigner(pair('Alice//stash'));

  // Workers publish their X25519 keys (Eve's key only seals her aggregation results).
  await registerWorker(bob, { encryptionKey: keys.bob.publicKey });
  await registerWorker(charlie, { encryptionKey: keys.charlie.publicKey });
  // Alice publishes the compiled demo model and grants Bob; Bob opens the bundle with his grant.
  published = await publishCompiledModel(alice, ipfs, { ...demo, royalty: 50_000 });
  await grantModelAccess(alice, { modelId: published.modelId, grantee: bob.address!, contentKey: published.contentKey });
  bundle = decodeBundle(await fetchModel(bob, ipfs, { modelId: published.modelId, secretKey: keys.bob.secretKey }));
}, 180_000);

afterAll(async () => {
  await alice?.disconnect();
  await devnet?.stop();
  await ipfsNode?.stop();
  await (globalThis as Any).curve_bn128?.terminate();
});

describe('verifiable inference on a compiled model (real devnet, real Kubo)', () => {
  let publicResult: InferenceResult;

  test('publishCompiledModel registers the circuit and the model bound to it in one batch; a second publication reuses the circuit', async () => {
    const circuitId = circuitIdOf(demo.artifacts.verifyingKey);
    expect(published.circuitId).toBe(circuitId);
    expect(published.registeredCircuit).toBe(true);
    // One extrinsic: the circuit's registration, the model's, and the batch that held them.
    const names = published.receipt.events.map((e) => `${e.section}.${e.method}`);
    expect(names).toEqual(expect.arrayContaining(['ComputeJobs.CircuitRegistered', 'ModelRegistry.ModelRegistered', 'Utility.BatchCompleted', 'System.ExtrinsicSuccess']));
    expect(published.receipt.events.find((e) => e.method === 'CircuitRegistered')?.data).toMatchObject({ circuitId, nPublic: DEMO_OUTPUTS + 4 });
    expect(await getModel(alice, published.modelId)).toMatchObject({ owner: alice.address, circuitId, digest: published.digest, cid: published.cid });
    expect(await getCircuit(alice, circuitId)).toMatchObject({ nPublic: DEMO_OUTPUTS + 4, owner: alice.address, vk: demo.artifacts.verifyingKey });
    // The manifest carries the public interface; the encrypted bundle, the proving artifacts (for granted workers).
    expect(await getModelInterface(dave, store, published.modelId)).toEqual(demo.modelInterface);
    expect([...bundle.keys()].sort()).toEqual(['model.json', 'model.wasm', 'model.zkey']);
    expect(Buffer.from(bundle.get('model.zkey')!).equals(Buffer.from(demo.artifacts.provingKey))).toBe(true);
    expect(Buffer.from(bundle.get('model.wasm')!).equals(Buffer.from(demo.artifacts.witnessGenerator))).toBe(true);
    expect(Buffer.from(bundle.get('model.json')!).equals(Buffer.from(demo.artifacts.quantizedModel))).toBe(true);
    await rejectsWith(fetchModel(charlie, ipfs, { modelId: published.modelId, secretKey: keys.charlie.secretKey }), 'Model.NoGrant');

    // Charlie publishes the same compiled model: the circuit is on chain already, only the model is registered.
    const again = await publishCompiledModel(charlie, ipfs, { ...demo, royalty: 0 });
    expect(again.registeredCircuit).toBe(false);
    expect(again.circuitId).toBe(circuitId);
    expect(again.modelId).not.toBe(published.modelId);
    expect(again.receipt.events.map((e) => `${e.section}.${e.method}`)).toContain('ModelRegistry.ModelRegistered');
    expect(again.receipt.events.map((e) => e.method)).not.toContain('CircuitRegistered');
    expect((await getModel(alice, again.modelId))?.circuitId).toBe(circuitId);
    // Nobody is granted on Charlie's copy: nobody could open an input sealed for it.
    await rejectsWith(
      submitInferenceAndWait(dave, { modelId: again.modelId, input: heldOut.inputs[0]!, reward: 1_000n, deadline: (await head()) + 100 }, { ipfs: store }),
      'Job.NoWorkers',
    );
  }, 120_000);

  test('public outputs: the input sealed to the granted workers, the proof re-verified locally, the outputs those the proof revealed', async () => {
    const input = heldOut.inputs[0]!;
    const { result, served } = await inferWithWorker({ input });
    publicResult = result;
    const { kind } = served.job;
    if (kind.type !== 'Inference') throw new Error('not an inference job');

    // What the consumer got is what the worker's proof revealed, re-verified.
    expect(result.verified).toBe(true);
    expect(result.visibility).toBe('public');
    expect(served.signals.slice(0, DEMO_OUTPUTS)).toEqual(served.y);
    expect(served.signals.slice(DEMO_OUTPUTS)).toEqual([served.commitment, result.jobId, BigInt(result.inputHash), 1n]);
    expect(result.outputFields).toEqual(served.y.map(fieldToHex));
    expect(result.outputs).toEqual(served.y.map(fromField));
    expect(result.outputCommitment).toBe(fieldToHex(served.commitment));
    expect(result.values).toEqual(result.outputs!.map((v) => dequantize(v, demo.modelInterface.outputScaleBits)));
    expect(argmax(result.values!)).toBe(heldOut.labels[0]); // the classifier's class for this held-out point
    expect(result.label).toBeUndefined(); // the interface names no labels
    expect(await getInferenceOutputs(alice, result.jobId)).toEqual({ output: result.outputFields, outputCommitment: result.outputCommitment, sealedOutputCid: null });

    // The job: the model's circuit, the salted hash of the quantized input; the input on IPFS sealed to Bob only.
    expect(kind).toMatchObject({ modelId: published.modelId, circuitId: published.circuitId, inputHash: result.inputHash, inputCid: result.inputCid, outputs: { type: 'Public' } });
    expect(served.input.values).toEqual(quantizeInput(input, demo.modelInterface));
    expect(inputHash(served.input.values, served.input.salt)).toBe(result.inputHash);
    await rejectsWith(openInferenceInput(await store.cat(result.inputCid), keys.charlie, { modelId: published.modelId, inputHash: result.inputHash }), 'Job.NotARecipient');
    await rejectsWith(openInferenceInput(await store.cat(result.inputCid), keys.bob, { modelId: published.modelId + 1n, inputHash: result.inputHash }), 'Job.BadInput');

    expect(result.worker).toBe(bob.address);
    expect(result.proof).toEqual(served.proof);
    expect(result.receipt.jobId).toBe(result.jobId);
    expect(result.completedIn.blockNumber).toBeGreaterThan(result.receipt.blockNumber);
    const block = await alice.api.rpc.chain.getBlock(result.completedIn.blockHash);
    expect(block.block.extrinsics[result.completedIn.extrinsicIndex]!.method.method).toBe('submitInferenceResult');

    // verifyInferenceJob re-checks any completed job by id, with the same answer (no interface: no values).
    const again = await verifyInferenceJob(charlie, result.jobId);
    expect(again.outputs).toEqual(result.outputs);
    expect(again.values).toBeUndefined();
    expect(again.completedIn).toEqual(result.completedIn);
    expect(Buffer.from(again.proof)).toEqual(Buffer.from(result.proof));
    expect((await verifyInferenceJob(charlie, result.jobId, { ipfs: store })).values).toEqual(result.values);

    // The same proof and chain data, altered, fail the local check with the typed error.
    const good = { vk: demo.artifacts.verifyingKey, proofs: [result.proof], outputs: result.outputFields, outputCommitment: result.outputCommitment, jobId: result.jobId, inputHash: result.inputHash };
    expect(checkInferenceProof(good)).toBe(result.proof);
    const fails = (altered: typeof good | Omit<typeof good, 'outputs'> & { outputs: { committed: number } }) =>
      rejectsWith(Promise.resolve().then(() => checkInferenceProof(altered)), 'Zk.LocalVerificationFailed');
    await fails({ ...good, jobId: result.jobId + 1n });
    await fails({ ...good, outputs: [result.outputFields[1]!, result.outputFields[0]!, ...result.outputFields.slice(2)] });
    await fails({ ...good, outputCommitment: fieldToHex(served.commitment + 1n) });
    await fails({ ...good, outputs: { committed: DEMO_OUTPUTS } }); // reveal = 0 is another statement
    await fails({ ...good, vk: fixtureVk }); // another circuit's key
    const flipped = result.proof.slice();
    flipped[10]! ^= 1;
    const e = await rejectsWith(Promise.resolve().then(() => checkInferenceProof({ ...good, proofs: [flipped] })), 'Zk.LocalVerificationFailed');
    expect(isModelproofError((e as Error & { cause?: unknown }).cause, 'Zk.MalformedProof')).toBe(true);
  }, 120_000);

  test('committed outputs: only a commitment on chain; the worker seals the outputs to the result key, the consumer opens and checks them', async () => {
    const input = heldOut.inputs[0]!; // the same input as the public job: the same outputs
    const resultKeys = generateEncryptionKeyPair();
    const { result, served } = await inferWithWorker({ input, outputs: 'committed', resultKeys });
    const { kind } = served.job;
    if (kind.type !== 'Inference') throw new Error('not an inference job');
    expect(kind.outputs).toEqual({ type: 'Committed', resultKey: u8aToHex(resultKeys.publicKey) });
    expect(result.resultKeys).toBe(resultKeys);

    // Nothing of the outputs is public: zeros in the proof, nothing stored but the commitment and the sealed object's CID.
    expect(served.signals).toEqual([...new Array<bigint>(DEMO_OUTPUTS).fill(0n), served.commitment, result.jobId, BigInt(result.inputHash), 0n]);
    expect(result.visibility).toBe('committed');
    expect(result.outputFields).toEqual([]);
    expect(await getInferenceOutputs(alice, result.jobId)).toEqual({ output: [], outputCommitment: fieldToHex(served.commitment), sealedOutputCid: served.sealedOutputCid });
    // The consumer opened them: the outputs the worker proved, the same as the public job's on this input.
    expect(result.outputCommitment).toBe(fieldToHex(served.commitment));
    expect(result.outputs).toEqual(served.y.map(fromField));
    expect(result.outputs).toEqual(publicResult.outputs);
    expect(result.values).toEqual(publicResult.values);

    // Re-verifying: without the result keys the outputs stay closed; with another key they do not open.
    const closed = await verifyInferenceJob(charlie, result.jobId);
    expect(closed).toMatchObject({ visibility: 'committed', verified: true, outputs: null, outputCommitment: result.outputCommitment });
    await rejectsWith(verifyInferenceJob(charlie, result.jobId, { ipfs: store, resultKeys: keys.charlie }), 'Job.NotARecipient');
    expect((await verifyInferenceJob(dave, result.jobId, { ipfs: store, resultKeys })).outputs).toEqual(result.outputs);
    // A sealed object altered on the way fails its authentication.
    store.corrupt.add(served.sealedOutputCid!);
    await rejectsWith(verifyInferenceJob(dave, result.jobId, { ipfs: store, resultKeys }), 'Job.BadInput');
    store.corrupt.delete(served.sealedOutputCid!);
  }, 120_000);

  test('committed outputs whose sealed object does not match the verified commitment: the chain cannot see it, the consumer rejects it (Job.BadInput)', async () => {
    const resultKeys = generateEncryptionKeyPair();
    const jobId = await nextJobId();
    // A cheating worker proves the true outputs but seals others (correctly encrypted to the consumer).
    const serving = serveInference(jobId, { sealOtherOutputs: (y) => [toField(fromField(y[0]!) + 4096n), ...y.slice(1)] });
    await rejectsWith(
      submitInferenceAndWait(dave, { modelId: published.modelId, input: heldOut.inputs[1]!, outputs: 'committed', resultKeys, reward: 1_000n, deadline: (await head()) + 100 }, { ipfs: store, timeoutMs: 60_000 }),
      'Job.BadInput',
    );
    const served = await serving;
    expect((await getJob(alice, jobId))?.status).toBe('Completed');
    await rejectsWith(verifyInferenceJob(dave, jobId, { ipfs: store, resultKeys }), 'Job.BadInput');
    // The proof itself was sound: without opening, the job verifies.
    expect(await verifyInferenceJob(dave, jobId)).toMatchObject({ verified: true, outputs: null, outputCommitment: fieldToHex(served.commitment) });
  }, 120_000);

  test('tampered results are rejected by the chain (ComputeJobs.InvalidProof) and nothing is paid; the honest one then settles', async () => {
    let tried = 0;
    const attempts = async (honest: { jobId: bigint; output: bigint[]; outputCommitment: bigint; sealedOutputCid?: string; proof: Uint8Array }) => {
      tried += 1;
      if (honest.output.length > 0) {
        await rejectsWith(submitInferenceResult(bob, { ...honest, output: [honest.output[0]! + 1n, ...honest.output.slice(1)] }), 'ComputeJobs.InvalidProof');
        await rejectsWith(submitInferenceResult(bob, { ...honest, output: [...honest.output.slice(1), honest.output[0]!] }), 'ComputeJobs.InvalidProof');
      }
      await rejectsWith(submitInferenceResult(bob, { ...honest, outputCommitment: honest.outputCommitment + 1n }), 'ComputeJobs.InvalidProof');
      const forged = honest.proof.slice();
      forged[200]! ^= 1;
      await rejectsWith(submitInferenceResult(bob, { ...honest, proof: forged }), 'ComputeJobs.InvalidProof');
      // Still claimed, no result stored: nothing was paid.
      expect((await getJob(alice, honest.jobId))?.status).toBe('Claimed');
      expect(await getInferenceOutputs(alice, honest.jobId)).toBeNull();
    };
    const pub = await inferWithWorker({ input: heldOut.inputs[2]! }, { attempts });
    expect(pub.result.outputs).toEqual(pub.served.y.map(fromField));
    const hidden = await inferWithWorker({ input: heldOut.inputs[2]!, outputs: 'committed' }, { attempts });
    expect(hidden.result.outputs).toEqual(pub.result.outputs);
    expect(tried).toBe(2);
  }, 180_000);

  test('a job cannot name another circuit: it takes its model\'s, and a proof of another circuit fails (ComputeJobs.InvalidProof)', async () => {
    // The call has no circuit parameter at all.
    const call = submitInferenceJobCall(dave, { modelId: 0n, inputHash: fieldToHex(1n), inputCid: 'x', reward: 1n, deadline: 1 });
    expect(call.method.meta.args.map((a) => a.name.toString())).toEqual(['modelId', 'inputHash', 'inputCid', 'outputs', 'reward', 'deadline']);

    // Model F is bound to the test circuit A (fixture_2x2); Bob is granted on it.
    const fixtureCircuit = (await registerCircuit(alice, { vk: fixtureVk })).circuitId;
    expect(fixtureCircuit).not.toBe(published.circuitId);
    const f = await registerModel(alice, { digest: fieldToHex(0xf1n), ciphertextDigest: fieldToHex(0xf2n), cid: 'bafy-fixture-model', circuitId: fixtureCircuit, royalty: 0 });
    await grantAccess(alice, { modelId: f.modelId, grantee: bob.address!, envelope: await wrapKey(generateContentKey(), keys.bob.publicKey) });
    const deadline = (await head()) + 100;

    // A job on F whose input is one the demo model (circuit B) can prove: Bob proves it with B, for this very job.
    const x = quantizeInput(heldOut.inputs[3]!, demo.modelInterface);
    const salt = randomSalt();
    const hash = inputHash(x, salt);
    const { jobId } = await submitInferenceJob(dave, { modelId: f.modelId, inputHash: hash, inputCid: 'bafy-x', outputs: { resultKey: keys.eve.publicKey }, reward: 1_000n, deadline });
    expect((await getJob(alice, jobId))?.kind).toMatchObject({ type: 'Inference', modelId: f.modelId, circuitId: fixtureCircuit });
    await claimJob(bob, { jobId });
    const other = await prove(demoCircuit(), { values: x, salt }, { jobId, inputHash: hash, reveal: false });
    // A sound proof of circuit B for this job's signals…
    expect(verifyGroth16(demo.artifacts.verifyingKey, other.proof, publicSignals({ outputs: { committed: DEMO_OUTPUTS }, outputCommitment: other.commitment, jobId, inputHash: hash }))).toBe(true);
    const sealed = await store.add(await sealInferenceOutput({ values: other.y, salt: other.outSalt }, keys.eve.publicKey, jobId));
    // …is not a proof of the job's circuit A.
    await rejectsWith(submitInferenceResult(bob, { jobId, output: [], outputCommitment: other.commitment, sealedOutputCid: sealed, proof: other.proof }), 'ComputeJobs.InvalidProof');
    await handBackJob(bob, { jobId, reason: 'Withdrawn' });

    // The same worker with circuit A's artifacts serves a job on F: x = [3, 4] → y = W·x + b = [−5, 39].
    const fx = [3n, 4n];
    const fSalt = randomSalt();
    const fHash = inputHash(fx, fSalt);
    const fJob = (await submitInferenceJob(dave, { modelId: f.modelId, inputHash: fHash, inputCid: 'bafy-fx', reward: 1_000n, deadline })).jobId;
    await claimJob(bob, { jobId: fJob });
    const fixture = { wasm: read(...FIXTURE_DIR, 'fixture_2x2.wasm'), zkey: read(...FIXTURE_DIR, 'fixture_2x2.zkey'), outputs: 2 };
    const right = await prove(fixture, { values: fx, salt: fSalt }, { jobId: fJob, inputHash: fHash, reveal: true });
    // A's proof is accepted, and it is not a proof of B.
    await submitInferenceResult(bob, { jobId: fJob, output: right.y, outputCommitment: right.commitment, proof: right.proof });
    const verified = await verifyInferenceJob(dave, fJob);
    expect(verified.outputs).toEqual([-5n, 39n]);
    await rejectsWith(
      Promise.resolve().then(() =>
        checkInferenceProof({ vk: demo.artifacts.verifyingKey, proofs: [verified.proof], outputs: verified.outputFields, outputCommitment: verified.outputCommitment, jobId: fJob, inputHash: fHash }),
      ),
      'Zk.LocalVerificationFailed',
    );
  }, 120_000);

  test('errors: no worker serving → Client.Timeout; unknown and open jobs; bad inputs; a model without an interface', async () => {
    // Nobody serves this job (the input is sealed to Bob, who is not listening): the wait times out, the job stays open.
    const open = await nextJobId();
    await rejectsWith(
      submitInferenceAndWait(dave, { modelId: published.modelId, modelInterface: demo.modelInterface, input: heldOut.inputs[4]!, reward: 1_000n, deadline: (await head()) + 100 }, { ipfs: store, timeoutMs: 1_500 }),
      'Client.Timeout',
    );
    expect((await getJob(alice, open))?.status).toBe('Open');
    await rejectsWith(verifyInferenceJob(alice, open), 'Job.NotReady');
    await rejectsWith(verifyInferenceJob(alice, 9_999n), 'Job.NotFound');

    const params = { modelId: published.modelId, reward: 1_000n, deadline: (await head()) + 100 };
    await rejectsWith(submitInferenceAndWait(dave, { ...params, input: heldOut.inputs[0]! }, undefined as never), 'Job.InvalidParams'); // no IPFS
    await rejectsWith(submitInferenceAndWait(dave, { ...params, input: heldOut.inputs[0]!.slice(1) }, { ipfs: store }), 'Job.InvalidParams'); // 7 values for 8
    await rejectsWith(submitInferenceAndWait(dave, { ...params, input: [1e6, 0, 0, 0, 0, 0, 0, 0] }, { ipfs: store }), 'Job.InvalidParams'); // outside the calibrated range
    await rejectsWith(submitInferenceAndWait(dave, { ...params, input: [Number.NaN, 0, 0, 0, 0, 0, 0, 0] }, { ipfs: store }), 'Job.InvalidParams');
    const bogusKeys = { ...generateEncryptionKeyPair(), publicKey: keys.eve.publicKey };
    await rejectsWith(submitInferenceAndWait(dave, { ...params, input: heldOut.inputs[0]!, outputs: 'committed', resultKeys: bogusKeys }, { ipfs: store }), 'Job.InvalidParams');
    expect(await nextJobId()).toBe(open + 1n); // none of these submitted a job

    // A model bound to the demo circuit but published without an interface cannot take numbers.
    const plain = await publishModel(alice, ipfs, { data: new TextEncoder().encode('not a compiled model'), royalty: 0, circuitId: published.circuitId });
    await rejectsWith(getModelInterface(dave, store, plain.modelId), 'Model.NoInterface');
    await rejectsWith(submitInferenceAndWait(dave, { ...params, modelId: plain.modelId, input: heldOut.inputs[0]! }, { ipfs: store }), 'Model.NoInterface');
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
