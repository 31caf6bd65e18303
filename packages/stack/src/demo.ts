/**
 * The stack's demo, run once against the running workers through the public SDK only:
 *
 * - inference: a model owner publishes an encrypted 16→8→2 MLP (Poseidon commitment on chain),
 *   grants it to one worker; a consumer submits an inference job; the worker claims it, proves
 *   the output (Groth16, mlp_16_8_2) and the runtime verifies the proof before paying out; the
 *   consumer re-verifies it locally. The output is compared with the owner's plaintext run.
 * - secure aggregation: four participants secret-share a vector each over a committee of
 *   three workers; the job owner opens the three partial sums and compares their total with the
 *   plaintext sum of the four vectors.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';

import { circuitByName, encodeModel, modelCommitment, runMlp, seededModel, seededRandom } from '@modelproof/offchain-worker/zk';
import { circuitIdOf, closeContributions, getCircuit, isModelproofError, type ModelproofClient, registerCircuit } from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { contributeVector, createAggregationJob, fetchAggregate, submitInferenceAndWait, waitForAggregate, waitForCommittee } from '@modelproof/sdk/jobs';
import { grantModelAccess, publishModel } from '@modelproof/sdk/models';

import { StackError } from './errors.js';

const UNIT = 1_000_000_000_000n;
const SCALE_BITS = 16;
const ONE = 1 << SCALE_BITS;

export interface DemoContext {
  /** A client of the stack's chain; its signer is not used (the demo signs with dev accounts). */
  client: ModelproofClient;
  ipfs: Ipfs;
  /** The running workers' addresses, by name. */
  workers: ReadonlyArray<{ name: string; address: string }>;
  /** Progress lines. */
  progress?: (line: string) => void;
  /** Bound on each wait for a worker (default 240 s). */
  timeoutMs?: number;
}

export interface InferenceDemoResult {
  jobId: bigint;
  modelId: bigint;
  circuit: string;
  /** Name of the worker that delivered the result. */
  worker: string;
  inputs: number[];
  /** The outputs the runtime accepted with the proof (and the consumer re-verified). */
  outputs: number[];
  /** The owner's plaintext run of the same model on the same inputs. */
  expected: number[];
  /** Paid to the worker (reward − royalty) and the model owner (royalty), from `JobCompleted`. */
  reward: bigint;
  royalty: bigint;
  /** Submission to finalized, verified result. */
  elapsedMs: number;
}

export interface AggregationDemoResult {
  jobId: bigint;
  /** Names of the committee's workers, in committee order. */
  committee: string[];
  participants: number;
  vectors: number[][];
  aggregate: number[];
  plaintextSum: number[];
  elapsedMs: number;
}

const quantize = (x: number): bigint => BigInt(Math.round(x * ONE));
const toNumber = (v: bigint): number => Number(v) / ONE;

function devAccounts(): Record<'alice' | 'bob' | 'charlie' | 'dave' | 'eve' | 'ferdie', KeyringPair> {
  const keyring = new Keyring({ type: 'sr25519' });
  const pair = (name: string) => keyring.addFromUri(`//${name}`);
  return { alice: pair('Alice'), bob: pair('Bob'), charlie: pair('Charlie'), dave: pair('Dave'), eve: pair('Eve'), ferdie: pair('Ferdie') };
}

const head = async (client: ModelproofClient): Promise<number> => (await client.api.rpc.chain.getHeader()).number.toNumber();

function nameOf(ctx: DemoContext, address: string): string {
  return ctx.workers.find((w) => w.address === address)?.name ?? address;
}

/** Publish → grant → submit → the worker proves → the runtime verifies and pays → re-verify. */
export async function runInferenceDemo(ctx: DemoContext): Promise<InferenceDemoResult> {
  const say = ctx.progress ?? (() => undefined);
  const timeoutMs = ctx.timeoutMs ?? 240_000;
  const accounts = devAccounts();
  const owner = ctx.client.withSigner(accounts.alice);
  const consumer = ctx.client.withSigner(accounts.dave);
  const worker = ctx.workers[0];
  if (!worker) throw new StackError('Stack.DemoFailed', 'the inference demo needs a running worker');

  const circuit = await circuitByName('mlp_16_8_2');
  const circuitId = circuitIdOf(circuit.vk);
  if ((await getCircuit(owner, circuitId)) === null) await registerCircuit(owner, { vk: circuit.vk });

  const model = seededModel([16, 8, 2], 2026); // the same model every run
  const published = await publishModel(owner, ctx.ipfs, { data: encodeModel(model), royalty: 50_000, zkCommitment: modelCommitment(model) });
  say(`model #${published.modelId} published by Alice (encrypted on IPFS, ${published.cid}); royalty 5 %`);
  await grantModelAccess(owner, { modelId: published.modelId, grantee: worker.address, contentKey: published.contentKey });
  say(`access granted to ${worker.name} (content key wrapped to its on-chain X25519 key)`);

  const random = seededRandom(7);
  const inputs = Array.from({ length: 16 }, () => Math.round((random() * 2 - 1) * ONE) / ONE);
  const expected = runMlp(model, inputs.map(quantize));

  const started = performance.now();
  say(`Dave submits an inference job (reward 5 UNIT); waiting for the worker's proof…`);
  const result = await submitInferenceAndWait(
    consumer,
    { modelId: published.modelId, circuitId, inputs, scaleBits: SCALE_BITS, reward: 5n * UNIT, deadline: (await head(owner)) + 400 },
    { ipfs: ctx.ipfs, wait: 'finalized', timeoutMs, outputScaleBits: SCALE_BITS },
  );
  const elapsedMs = performance.now() - started;

  const apiAt = await owner.api.at(result.completedIn.blockHash);
  const events = (await apiAt.query['system']!['events']!()) as unknown as EventRecord[];
  const completed = events.find(
    ({ event }) => event.section === 'computeJobs' && event.method === 'JobCompleted' && BigInt(event.data[0]!.toString()) === result.jobId,
  );
  if (!completed) throw new StackError('Stack.DemoFailed', `job ${result.jobId}: no JobCompleted event in ${result.completedIn.blockHash}`);
  const [, reward, royalty] = completed.event.data.map((d) => BigInt(d.toString()));

  const outputs = result.outputs.map(toNumber);
  const expectedValues = expected.map(toNumber);
  if (result.outputs.some((v, i) => v !== expected[i])) {
    throw new StackError('Stack.DemoFailed', `job ${result.jobId}: verified outputs ${outputs.join(', ')} differ from the plaintext run ${expectedValues.join(', ')}`);
  }
  return {
    jobId: result.jobId,
    modelId: published.modelId,
    circuit: circuit.name,
    worker: nameOf(ctx, result.worker),
    inputs,
    outputs,
    expected: expectedValues,
    reward: reward!,
    royalty: royalty!,
    elapsedMs,
  };
}

/** Four participants, a committee of three workers; the owner's aggregate vs the plaintext sum. */
export async function runAggregationDemo(ctx: DemoContext): Promise<AggregationDemoResult> {
  const say = ctx.progress ?? (() => undefined);
  const timeoutMs = ctx.timeoutMs ?? 240_000;
  const committeeSize = 3;
  if (ctx.workers.length < committeeSize) throw new StackError('Stack.DemoFailed', `the aggregation demo needs ${committeeSize} workers, the stack runs ${ctx.workers.length}`);
  const accounts = devAccounts();
  // The partial sums are sealed to the job's result key; only its secret opens the aggregate.
  const owner = ctx.client.withSigner(accounts.ferdie);
  const ownerKeys = generateEncryptionKeyPair();

  const participants = [accounts.bob, accounts.charlie, accounts.dave, accounts.eve];
  const random = seededRandom(11);
  const vectors = participants.map(() => Array.from({ length: 4 }, () => Math.round((random() * 200 - 100) * 4) / 4));
  const plaintextSum = vectors.reduce((acc, v) => acc.map((x, i) => x + v[i]!), [0, 0, 0, 0]);

  const started = performance.now();
  const now = await head(owner);
  const { jobId } = await createAggregationJob(owner, {
    participants: participants.map((p) => p.address),
    committeeSize,
    vectorLen: 4,
    reward: 3n * UNIT,
    contributionDeadline: now + 200,
    deadline: now + 400,
    resultKey: ownerKeys.publicKey,
  });
  say(`Ferdie opens aggregation job #${jobId}: 4 participants, committee of ${committeeSize}; the workers apply and the committee is drawn among them…`);
  const formed = await waitForCommittee(owner, jobId, { timeoutMs });
  const committee = formed.kind.type === 'Aggregation' ? formed.kind.committee.map((a) => nameOf(ctx, a)) : [];
  say(`committee drawn: ${committee.join(', ')}`);

  for (const [i, participant] of participants.entries()) {
    await contributeVector(owner.withSigner(participant), ctx.ipfs, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS });
  }
  // The committee's daemons close contributions themselves once all are in; whoever is first wins.
  await closeContributions(owner, { jobId }).catch((e: unknown) => {
    if (!isModelproofError(e, 'ComputeJobs.ContributionsClosed')) throw e;
  });
  say('4 vectors secret-shared to the committee; contributions closed; after the review period the members post their partial sums…');
  await waitForAggregate(owner, jobId, { timeoutMs });
  const aggregate = await fetchAggregate(owner, ctx.ipfs, { jobId, ownerSecretKey: ownerKeys.secretKey, scaleBits: SCALE_BITS });
  ownerKeys.secretKey.fill(0);
  const elapsedMs = performance.now() - started;

  const expected = vectors.reduce((acc, v) => acc.map((x, i) => x + quantize(v[i]!)), [0n, 0n, 0n, 0n]);
  if (aggregate.contributors !== participants.length || aggregate.sum.some((v, i) => v !== expected[i])) {
    throw new StackError('Stack.DemoFailed', `job ${jobId}: aggregate ${aggregate.sum.map(toNumber).join(', ')} differs from the plaintext sum ${plaintextSum.join(', ')}`);
  }
  return { jobId, committee, participants: participants.length, vectors, aggregate: aggregate.sum.map(toNumber), plaintextSum, elapsedMs };
}
