/**
 * processInference against the REAL devnet (chopsticks running the committed runtime) and a REAL
 * Kubo node, on a model compiled from ONNX (the stack's demo classifier): the owner publishes it
 * (circuit + model bound to it on chain, proving artifacts encrypted on IPFS) and grants the
 * worker access; a consumer submits a job with its input sealed to the worker; the worker
 * claims it, the processor fetches + decrypts + checks the artifacts against the on-chain
 * verifying key, opens + checks the input, proves, and the result posted with
 * `submitInferenceResult` completes the job on chain (the runtime verified the proof). The
 * outputs are compared with onnxruntime's run of the ONNX file.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import { hexToU8a } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, type IpfsNode, startDevnet, startIpfs } from '@modelproof/devnet';
import { type ModelproofClient, circuitIdOf, createClient, getInferenceOutputs, getJob, registerWorker, submitInferenceResult } from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import { openInferenceOutput } from '@modelproof/sdk/jobs';
import { dequantize, fieldToHex, fromField, outputCommitment } from '@modelproof/sdk/zk';

import { processInference, type InferenceDeps } from '../src/processors/index.js';
import { toQueueError } from '../src/queues/index.js';
import { ArtifactCache, terminateProver } from '../src/zk/index.js';
import { onnxOutputs } from '../../../test/support/onnx.js';
import { type DemoModel, DEMO_MODEL_SOURCE, ROOT, loadDemoModel, publishFor, sealedJob } from './support/compiled-model.js';

let devnet: Devnet;
let ipfsNode: IpfsNode;
let ipfs: Ipfs;
let alice: ModelproofClient; // model owner
let bob: ModelproofClient; // worker
let dave: ModelproofClient; // consumer
const bobKeys = generateEncryptionKeyPair();
let model: DemoModel;
let modelId: bigint;
let cacheDir: string;
let deps: InferenceDeps;
/** onnxruntime's outputs for `input` on the original ONNX file. */
async function reference(input: number[]): Promise<number[]> {
  return (await onnxOutputs(join(DEMO_MODEL_SOURCE, 'model.onnx'), [input]))[0]!;
}

const decode = (fields: string[]): number[] => fields.map((h) => dequantize(fromField(BigInt(h)), model.modelInterface.outputScaleBits));

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  devnet = await startDevnet();
  ipfsNode = await startIpfs();
  ipfs = createIpfs({ url: ipfsNode.apiUrl });
  alice = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
  bob = alice.withSigner(keyring.addFromUri('//Bob'));
  dave = alice.withSigner(keyring.addFromUri('//Dave'));
  await registerWorker(bob, { encryptionKey: bobKeys.publicKey });
  model = await loadDemoModel();
  ({ modelId } = await publishFor(alice, ipfs, model, [bob.address!]));
  cacheDir = await mkdtemp(join(tmpdir(), 'mp-artifacts-'));
  deps = {
    client: bob,
    ipfs,
    x25519SecretKey: bobKeys.secretKey,
    artifacts: new ArtifactCache({ dir: cacheDir, maxBytes: 1 << 30 }),
    limits: { fetchTimeoutMs: 30_000, maxModelBytes: 64 << 20 },
  };
}, 180_000);

afterAll(async () => {
  await alice?.disconnect();
  await devnet?.stop();
  await ipfsNode?.stop();
  await rm(cacheDir, { recursive: true, force: true });
  await terminateProver();
});

const job = (input: number[], o: Partial<Parameters<typeof sealedJob>[5]> = {}) =>
  sealedJob(dave, ipfs, modelId, model.modelInterface, input, { recipients: [bobKeys.publicKey], claimant: bob, ...o });

test('claimed job → processInference → submitInferenceResult → JobCompleted; outputs agree with onnxruntime; artifacts cached', async () => {
  const input = model.heldOut[3]!;
  const { jobId } = await job(input);
  const progress: number[] = [];
  let catStreams = 0;
  const counting: InferenceDeps['ipfs'] = { ...ipfs, add: (b, o) => ipfs.add(b, o), cat: (c, o) => ipfs.cat(c, o), catStream: (c, o) => (catStreams++, ipfs.catStream(c, o)) };

  const result = await processInference({ ...deps, ipfs: counting, progress: (p) => void progress.push(p) }, { chainJobId: jobId.toString() });
  expect(result.circuitId).toBe(circuitIdOf(model.artifacts.verifyingKey));
  expect(result.output).toHaveLength(4);
  expect(result.sealedOutputCid).toBeUndefined();
  expect(result.proof).toMatch(/^0x[0-9a-f]{512}$/);
  expect(progress.at(-1)).toBe(100);
  expect(catStreams).toBeGreaterThan(0); // the bundle came from IPFS
  const values = decode(result.output);
  const ref = await reference(input);
  values.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(model.worstCaseBound[i]!));
  // JSON-safe, as the sandbox boundary requires.
  expect(JSON.parse(JSON.stringify(result))).toEqual(result);

  const receipt = await submitInferenceResult(bob, { jobId, output: result.output, outputCommitment: result.outputCommitment, proof: hexToU8a(result.proof) });
  expect(receipt.events.some((e) => e.section === 'ComputeJobs' && e.method === 'JobCompleted')).toBe(true);
  expect(await getInferenceOutputs(alice, jobId)).toEqual({ output: result.output, outputCommitment: result.outputCommitment, sealedOutputCid: null });

  // A second job on the model proves from the cache: the bundle is not downloaded again.
  const second = await job(model.heldOut[4]!);
  catStreams = 0;
  await processInference({ ...deps, ipfs: counting }, { chainJobId: second.jobId });
  expect(catStreams).toBe(0);
  expect(await readdir(cacheDir)).toEqual([result.circuitId]);

  // A completed job is not processed again.
  await expect(processInference(deps, { chainJobId: jobId })).rejects.toMatchObject({ code: 'Pipeline.JobClosed' });
}, 240_000);

test('committed outputs: nothing of the outputs on chain; the consumer opens the sealed outputs and they match the commitment', async () => {
  const input = model.heldOut[5]!;
  const consumerKeys = generateEncryptionKeyPair();
  const { jobId } = await job(input, { resultKey: consumerKeys.publicKey });
  const result = await processInference(deps, { chainJobId: jobId });
  expect(result.output).toEqual([]);
  expect(result.sealedOutputCid).toEqual(expect.any(String));
  await submitInferenceResult(bob, { jobId, output: [], outputCommitment: result.outputCommitment, sealedOutputCid: result.sealedOutputCid!, proof: hexToU8a(result.proof) });
  const stored = await getInferenceOutputs(alice, jobId);
  expect(stored).toEqual({ output: [], outputCommitment: result.outputCommitment, sealedOutputCid: result.sealedOutputCid });

  const sealed = await ipfs.cat(result.sealedOutputCid!);
  const opened = await openInferenceOutput(sealed, consumerKeys, { jobId, outputCommitment: stored!.outputCommitment });
  expect(outputCommitment(opened.values, opened.salt)).toBe(stored!.outputCommitment);
  const ref = await reference(input);
  decode(opened.values.map(fieldToHex)).forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(model.worstCaseBound[i]!));
  // Nobody else opens them.
  await expect(openInferenceOutput(sealed, generateEncryptionKeyPair(), { jobId, outputCommitment: stored!.outputCommitment })).rejects.toMatchObject({ code: 'Job.NotARecipient' });
}, 240_000);

test('tampered bundle content from IPFS: a typed permanent error before any proving; nothing cached, the job stays Claimed', async () => {
  const freshDir = await mkdtemp(join(tmpdir(), 'mp-artifacts-'));
  const fresh = { ...deps, artifacts: new ArtifactCache({ dir: freshDir, maxBytes: 1 << 30 }) };
  const { jobId } = await job(model.heldOut[6]!);
  // Kubo serves the real bytes; this store flips one byte early in the encrypted bundle (the
  // second stream: the first is the manifest), as a lying node would.
  let streams = 0;
  const lying: InferenceDeps['ipfs'] = {
    add: (b, o) => ipfs.add(b, o),
    cat: (cid, options) => ipfs.cat(cid, options),
    catStream: (cid, options) => ({
      async *[Symbol.asyncIterator]() {
        let first = ++streams === 2;
        for await (const piece of ipfs.catStream(cid, options)) {
          const copy = piece.slice();
          if (first && copy.length > 100) {
            copy[100] = copy[100]! ^ 0x01;
            first = false;
          }
          yield copy;
        }
      },
    }),
  };
  const progress: number[] = [];
  const failure = await processInference({ ...fresh, ipfs: lying, progress: (p) => void progress.push(p) }, { chainJobId: jobId }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toMatchObject({ code: expect.stringMatching(/^(Crypto\.TamperedChunk|Model\.[A-Za-z]+Mismatch)$/) });
  const queued = toQueueError(failure);
  expect(queued.name).toBe('UnrecoverableError'); // dead-lettered at once, never retried
  expect(queued.message).toMatch(/^\[(Crypto|Model)\.[A-Za-z]+\] /);
  expect(progress).toEqual([]); // never reached the input, let alone the prover
  expect(await readdir(freshDir)).toEqual([]); // nothing of the tampered bundle was kept
  await rm(freshDir, { recursive: true, force: true });
  expect((await getJob(alice, jobId))?.status).toBe('Claimed');
}, 180_000);

test('a bundle whose proving key is not the on-chain circuit\'s is refused (Zk.ArtifactMismatch) and not cached', async () => {
  // An owner (Dave: Alice already registered this bundle's digest) binds the model to the test
  // circuit fixture_2x2 but ships the demo model's keys.
  const fixtureVk = new Uint8Array(await readFile(join(ROOT, 'circuits', 'build', 'fixture_2x2', 'vk.bin')));
  const { modelId: mismatched } = await publishFor(dave, ipfs, { ...model, artifacts: { ...model.artifacts, verifyingKey: fixtureVk } }, [bob.address!]);
  const dir = await mkdtemp(join(tmpdir(), 'mp-artifacts-'));
  try {
    const { jobId } = await sealedJob(dave, ipfs, mismatched, model.modelInterface, model.heldOut[0]!, { recipients: [bobKeys.publicKey], claimant: bob });
    await expect(processInference({ ...deps, artifacts: new ArtifactCache({ dir, maxBytes: 1 << 30 }) }, { chainJobId: jobId })).rejects.toMatchObject({ code: 'Zk.ArtifactMismatch' });
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 180_000);

test('permanent, typed failures of the input: sealed to someone else, wrong input hash, outside the calibrated range; unknown job', async () => {
  const input = model.heldOut[1]!;
  const notForBob = await job(input, { recipients: [generateEncryptionKeyPair().publicKey] });
  await expect(processInference(deps, { chainJobId: notForBob.jobId })).rejects.toMatchObject({ code: 'Zk.BadInput' });

  const wrongHash = await job(input, { inputHash: fieldToHex(12345n) });
  await expect(processInference(deps, { chainJobId: wrongHash.jobId })).rejects.toMatchObject({ code: 'Zk.BadInput' });

  // A consumer bypassing the SDK's range check: no witness exists, the prover refuses.
  const huge = await job(input, { rawValues: Array.from({ length: model.modelInterface.inputSize }, () => 1n << 40n) });
  const failure = await processInference(deps, { chainJobId: huge.jobId }).then(() => undefined, (e: unknown) => e);
  expect(failure).toMatchObject({ code: 'Zk.WitnessFailed' });
  expect(toQueueError(failure).name).toBe('UnrecoverableError');

  await expect(processInference(deps, { chainJobId: 999_999n })).rejects.toMatchObject({ code: 'Pipeline.JobNotFound' });
  // None of them was posted: they stay Claimed until handed back.
  for (const j of [notForBob, wrongHash, huge]) expect((await getJob(alice, j.jobId))?.status).toBe('Claimed');
}, 240_000);

test('the artifact cache is bounded: the least recently used circuit is evicted', async () => {
  const fixtureDir = join(ROOT, 'circuits', 'build', 'fixture_2x2');
  const small = {
    ...model,
    artifacts: {
      quantizedModel: new TextEncoder().encode('{"format":"modelproof/quantized-model","version":1}'),
      witnessGenerator: new Uint8Array(await readFile(join(fixtureDir, 'fixture_2x2.wasm'))),
      provingKey: new Uint8Array(await readFile(join(fixtureDir, 'fixture_2x2.zkey'))),
      verifyingKey: new Uint8Array(await readFile(join(fixtureDir, 'vk.bin'))),
    },
  };
  const { modelId: smallId, circuitId: smallCircuit } = await publishFor(alice, ipfs, small, [bob.address!]);
  const demoCircuit = circuitIdOf(model.artifacts.verifyingKey);
  const dir = await mkdtemp(join(tmpdir(), 'mp-artifacts-'));
  try {
    // Room for one entry only: fetching the second evicts the first.
    const cache = new ArtifactCache({ dir, maxBytes: 6 << 20 });
    const get = async (id: bigint, circuitId: string) => {
      const vk = id === smallId ? small.artifacts.verifyingKey : model.artifacts.verifyingKey;
      return cache.get({ client: bob, ipfs, modelId: id, circuitId, vk, x25519SecretKey: bobKeys.secretKey });
    };
    await get(modelId, demoCircuit.toLowerCase());
    expect(await readdir(dir)).toEqual([demoCircuit.toLowerCase()]);
    await get(smallId, smallCircuit.toLowerCase());
    expect((await readdir(dir)).filter((f) => !f.startsWith('.'))).toEqual([smallCircuit.toLowerCase()]);
    expect(await cache.size()).toBeLessThanOrEqual(6 << 20);
    expect(await cache.lookup(demoCircuit.toLowerCase(), model.artifacts.verifyingKey)).toBeNull();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 240_000);
