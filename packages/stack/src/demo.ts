/**
 * The stack's demo, run once against the running workers through the public SDK only:
 *
 * - inference: a model owner publishes the demo classifier compiled from ONNX (its circuit and
 *   the model bound to it on chain, its proving artifacts encrypted on IPFS) and grants it to
 *   one worker; a consumer submits a held-out input, sealed to the worker; the worker claims the
 *   job, proves the output with the model's circuit (Groth16) and the runtime verifies the proof
 *   before paying out; the consumer re-verifies it locally. The verified prediction is printed
 *   beside onnxruntime's run of the original ONNX file.
 * - secure aggregation: four participants secret-share a vector each over a committee of
 *   three workers; the job owner opens the three partial sums and compares their total with the
 *   plaintext sum of the four vectors.
 */
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { EventRecord } from '@polkadot/types/interfaces';

import { closeContributions, isModelproofError, type ModelproofClient } from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import type { Ipfs } from '@modelproof/sdk/ipfs';
import { contributeVector, createAggregationJob, fetchAggregate, submitInferenceAndWait, waitForAggregate, waitForCommittee } from '@modelproof/sdk/jobs';
import { grantModelAccess, publishCompiledModel } from '@modelproof/sdk/models';

import { OnnxReference, loadDemoModel } from './demo-model.js';
import { StackError } from './errors.js';

const UNIT = 1_000_000_000_000n;
/** Fixed-point scale of the aggregation demo's vectors. */
const SCALE_BITS = 16;
const ONE = 1 << SCALE_BITS;
const quantize = (x: number): bigint => BigInt(Math.round(x * ONE));
const toNumber = (v: bigint): number => Number(v) / ONE;

/** A small deterministic generator (LCG), so the demo's vectors are the same every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

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
  /** The model's circuit (blake2_256 of its verifying key) and its size. */
  circuitId: string;
  constraints: number;
  /** Name of the worker that delivered the result. */
  worker: string;
  /** The held-out input and its true class. */
  input: number[];
  trueClass: string;
  /** The outputs (logits) the runtime accepted with the proof (and the consumer re-verified). */
  outputs: number[];
  /** The predicted class of the verified outputs. */
  predicted: string;
  /** onnxruntime's run of the ONNX file on the same input, and its predicted class. */
  reference: number[];
  referencePredicted: string;
  /** Largest |verified − onnxruntime| over the outputs, and the compiler's bound for it. */
  maxAbsError: number;
  errorBound: number;
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

const argmax = (v: readonly number[]): number => v.reduce((best, x, i) => (x > v[best]! ? i : best), 0);

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

  const model = await loadDemoModel();
  const published = await publishCompiledModel(owner, ctx.ipfs, { artifacts: model.artifacts, modelInterface: model.modelInterface, royalty: 50_000 });
  say(
    `model #${published.modelId} (a classifier compiled from ONNX, ${model.constraints} constraints) published by Alice: ` +
      `circuit ${published.circuitId.slice(0, 10)}… bound to it on chain, proving artifacts encrypted on IPFS; royalty 5 %`,
  );
  await grantModelAccess(owner, { modelId: published.modelId, grantee: worker.address, contentKey: published.contentKey });
  say(`access granted to ${worker.name} (content key wrapped to its on-chain X25519 key)`);

  const sample = 7; // a held-out input, the same every run
  const input = model.heldOut.inputs[sample]!;
  const trueClass = model.classes[model.heldOut.labels[sample]!]!;
  const onnx = await OnnxReference.open();
  let reference: number[];
  try {
    reference = await onnx.run(input);
  } finally {
    await onnx.close();
  }

  const started = performance.now();
  say(`Dave submits an inference job (reward 5 UNIT, input sealed to the granted worker); waiting for the worker's proof…`);
  const result = await submitInferenceAndWait(
    consumer,
    { modelId: published.modelId, input, modelInterface: model.modelInterface, reward: 5n * UNIT, deadline: (await head(owner)) + 400 },
    { ipfs: ctx.ipfs, wait: 'finalized', timeoutMs },
  );
  const elapsedMs = performance.now() - started;

  const apiAt = await owner.api.at(result.completedIn.blockHash);
  const events = (await apiAt.query['system']!['events']!()) as unknown as EventRecord[];
  const completed = events.find(
    ({ event }) => event.section === 'computeJobs' && event.method === 'JobCompleted' && BigInt(event.data[0]!.toString()) === result.jobId,
  );
  if (!completed) throw new StackError('Stack.DemoFailed', `job ${result.jobId}: no JobCompleted event in ${result.completedIn.blockHash}`);
  const [, reward, royalty] = completed.event.data.map((d) => BigInt(d.toString()));

  const outputs = result.values;
  if (outputs === undefined) throw new StackError('Stack.DemoFailed', `job ${result.jobId}: the verified result has no decoded outputs`);
  const maxAbsError = Math.max(...outputs.map((v, i) => Math.abs(v - reference[i]!)));
  const errorBound = Math.max(...model.worstCaseBound);
  const predicted = model.classes[argmax(outputs)]!;
  const referencePredicted = model.classes[argmax(reference)]!;
  if (predicted !== referencePredicted || maxAbsError > errorBound) {
    throw new StackError(
      'Stack.DemoFailed',
      `job ${result.jobId}: verified outputs ${outputs.join(', ')} (${predicted}) disagree with onnxruntime's ${reference.join(', ')} (${referencePredicted}) beyond the compiler's bound ${errorBound}`,
    );
  }
  return {
    jobId: result.jobId,
    modelId: published.modelId,
    circuitId: published.circuitId,
    constraints: model.constraints,
    worker: nameOf(ctx, result.worker),
    input,
    trueClass,
    outputs,
    predicted,
    reference,
    referencePredicted,
    maxAbsError,
    errorBound,
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
