/**
 * processInference against the REAL devnet (chopsticks running the committed runtime) and a REAL
 * Kubo node: the model owner publishes an encrypted `modelproof/mlp` model with its Poseidon
 * commitment and grants the worker access; a consumer submits an inference job; the worker
 * claims it, the processor fetches + decrypts + checks the model, fetches + checks the input,
 * proves with circuits/build/mlp_16_8_2, and the result posted with `submitInferenceResult`
 * completes the job on chain (the runtime verified the proof).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, type IpfsNode, startDevnet, startIpfs } from '@modelproof/devnet';
import {
  type Hex,
  type ModelproofClient,
  claimJob,
  createClient,
  getJob,
  registerCircuit,
  registerWorker,
  submitInferenceJob,
  submitInferenceResult,
} from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import { encodeInferenceInput } from '@modelproof/sdk/jobs';
import { grantModelAccess, publishModel } from '@modelproof/sdk/models';
import { fieldToHex, inputHash, toField } from '@modelproof/sdk/zk';

import { processInference, type InferenceDeps } from '../src/processors/index.js';
import { toQueueError } from '../src/queues/index.js';
import { type CircuitArtifacts, circuitByName, encodeModel, type MlpModel, modelCommitment, parseModel, runMlp, terminateProver } from '../src/zk/index.js';

const ONE = 1 << 16;
let seed = 7;
/** Deterministic pseudo-random fixed-point value in [−scale, scale]. */
function fx(scale: number): bigint {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return BigInt(Math.round((seed / 2147483648 - 0.5) * 2 * scale * ONE));
}
function model(shape: number[]): MlpModel {
  return parseModel(encodeModel({
    format: 'modelproof/mlp', version: 1, shape, scaleBits: 16,
    layers: shape.slice(1).map((nOut, l) => ({
      weights: Array.from({ length: nOut }, () => Array.from({ length: shape[l]! }, () => fx(1))),
      biases: Array.from({ length: nOut }, () => fx(0.5)),
    })),
  }));
}

let devnet: Devnet;
let ipfsNode: IpfsNode;
let ipfs: Ipfs;
let alice: ModelproofClient; // model owner
let bob: ModelproofClient; // worker
let dave: ModelproofClient; // consumer
const bobKeys = generateEncryptionKeyPair();
let circuit: CircuitArtifacts;
let circuitId: Hex;
let deps: InferenceDeps;

const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();

/** Publishes `m` (with the given commitment, default its own) and grants Bob access. */
async function publish(m: MlpModel, zkCommitment: Hex = modelCommitment(m)): Promise<bigint> {
  const published = await publishModel(alice, ipfs, { data: encodeModel(m), royalty: 100_000, zkCommitment });
  await grantModelAccess(alice, { modelId: published.modelId, grantee: bob.address!, contentKey: published.contentKey });
  return published.modelId;
}

/** Dave submits a job on `modelId` with inputs `x` (document on IPFS; hash as given); Bob claims it. */
async function job(modelId: bigint, x: bigint[], hash: Hex = inputHash(x)): Promise<bigint> {
  const inputCid = await ipfs.add(encodeInferenceInput(x.map(toField)));
  const { jobId } = await submitInferenceJob(dave, { modelId, circuitId, inputHash: hash, inputCid, reward: 2_000_000_000n, deadline: (await head()) + 200 });
  await claimJob(bob, { jobId });
  return jobId;
}

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  circuit = await circuitByName('mlp_16_8_2');
  devnet = await startDevnet();
  ipfsNode = await startIpfs();
  ipfs = createIpfs({ url: ipfsNode.apiUrl });
  alice = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
  bob = alice.withSigner(keyring.addFromUri('//Bob'));
  dave = alice.withSigner(keyring.addFromUri('//Dave'));
  await registerWorker(bob, { encryptionKey: bobKeys.publicKey });
  circuitId = (await registerCircuit(alice, { vk: circuit.vk })).circuitId;
  deps = { client: bob, ipfs, x25519SecretKey: bobKeys.secretKey, limits: { fetchTimeoutMs: 30_000, maxModelBytes: 1 << 20 } };
}, 180_000);

afterAll(async () => {
  await alice?.disconnect();
  await devnet?.stop();
  await ipfsNode?.stop();
  await terminateProver();
});

test('claimed job → processInference → submitInferenceResult → JobCompleted (the runtime verified the proof)', async () => {
  const m = model([16, 8, 2]);
  const x = Array.from({ length: 16 }, () => fx(3));
  const modelId = await publish(m);
  const jobId = await job(modelId, x);
  const progress: number[] = [];

  const result = await processInference({ ...deps, progress: (p) => void progress.push(p) }, { chainJobId: jobId.toString() });
  expect(result.circuit).toBe('mlp_16_8_2');
  expect(result.output).toEqual(runMlp(m, x).map((v) => fieldToHex(toField(v))));
  expect(result.proof).toMatch(/^0x[0-9a-f]{512}$/);
  expect(progress.at(-1)).toBe(100);
  // JSON-safe, as the sandbox boundary requires.
  expect(JSON.parse(JSON.stringify({ output: result.output, proof: result.proof }))).toEqual({ output: result.output, proof: result.proof });

  const receipt = await submitInferenceResult(bob, { jobId, output: result.output, proof: Buffer.from(result.proof.slice(2), 'hex') });
  expect(receipt.events.some((e) => e.section === 'ComputeJobs' && e.method === 'JobCompleted')).toBe(true);
  expect((await getJob(alice, jobId))?.status).toBe('Completed');

  // A completed job is not processed again.
  await expect(processInference(deps, { chainJobId: jobId })).rejects.toMatchObject({ code: 'Pipeline.JobClosed' });
}, 180_000);

test('tampered model content from IPFS: a typed permanent error before any proving; nothing posted, the job stays Claimed', async () => {
  const m = model([16, 8, 2]);
  const jobId = await job(await publish(m), Array.from({ length: 16 }, () => fx(3)));
  // Kubo serves the real bytes; this store flips one byte early in the encrypted model object (the
  // second stream: the first is the manifest), as a lying node would.
  let streams = 0;
  const lying: InferenceDeps['ipfs'] = {
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
  const failure = await processInference({ ...deps, ipfs: lying, progress: (p) => void progress.push(p) }, { chainJobId: jobId }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toMatchObject({ code: expect.stringMatching(/^(Crypto\.TamperedChunk|Model\.[A-Za-z]+Mismatch)$/) });
  const queued = toQueueError(failure);
  expect(queued.name).toBe('UnrecoverableError'); // dead-lettered at once, never retried
  expect(queued.message).toMatch(/^\[(Crypto|Model)\.[A-Za-z]+\] /);
  expect(progress).not.toContain(40); // never reached the prover
  expect((await getJob(alice, jobId))?.status).toBe('Claimed');
}, 180_000);

test('permanent, typed failures: wrong commitment, wrong input hash, unknown circuit, unknown job', async () => {
  const m = model([16, 8, 2]);
  const x = Array.from({ length: 16 }, () => fx(3));

  // The on-chain commitment is another model's: the worker refuses before proving.
  const other = model([16, 8, 2]);
  const mismatched = await job(await publish(model([16, 8, 2]), modelCommitment(other)), x);
  await expect(processInference(deps, { chainJobId: mismatched })).rejects.toMatchObject({ code: 'Zk.CommitmentMismatch' });

  // The job's input_hash is not the document's.
  const modelId = await publish(m);
  const badHash = await job(modelId, x, inputHash([...x.slice(1), 0n]));
  await expect(processInference(deps, { chainJobId: badHash })).rejects.toMatchObject({ code: 'Zk.BadInput' });

  // No local artifacts match the on-chain verifying key.
  const empty = await mkdtemp(join(tmpdir(), 'mp-no-circuits-'));
  try {
    const ok = await job(modelId, x);
    await expect(processInference({ ...deps, circuitsDir: empty }, { chainJobId: ok })).rejects.toMatchObject({ code: 'Zk.UnknownCircuit' });
  } finally {
    await rm(empty, { recursive: true, force: true });
  }

  await expect(processInference(deps, { chainJobId: 999_999n })).rejects.toMatchObject({ code: 'Pipeline.JobNotFound' });
}, 180_000);
