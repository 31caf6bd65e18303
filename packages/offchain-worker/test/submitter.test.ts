/**
 * The submitter against the REAL devnet: chain-state checks before every post (nothing is sent
 * when the job is not ours, already done, unknown, or the result is malformed), one claim per
 * job even when asked twice at once, the in-flight transactions gauge.
 */
import { Keyring } from '@polkadot/keyring';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import { createClient, isModelproofError, type ModelproofClient, registerWorker } from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { createAggregationJob } from '@modelproof/sdk/jobs';

import { createMetrics } from '../src/metrics/index.js';
import { PermanentError } from '../src/queues/index.js';
import { Submitter, checkAggregationResult, checkInferenceResult, sameAccount } from '../src/submitter/index.js';
import { type ChainFixture, captureLog, expectedOutputs, setupChain } from './support/chain.js';

let chain: ChainFixture;
const log = captureLog();
const metrics = createMetrics({ processMetrics: false });
let bobSubmitter: Submitter;
let charlieSubmitter: Submitter;
const fakeResult = { output: expectedOutputs, proof: `0x${'01'.repeat(256)}` as const };

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => new Error('resolved'),
    (e: unknown) => e,
  );
  expect((error as { code?: string }).code).toBe(code);
  expect(error).toBeInstanceOf(PermanentError);
}

const inflight = async (): Promise<number> => (await metrics.inflightTransactions.get()).values[0]?.value ?? 0;

beforeAll(async () => {
  chain = await setupChain();
  bobSubmitter = new Submitter({ client: chain.bob, metrics, logger: log.logger });
  charlieSubmitter = new Submitter({ client: chain.charlie, metrics, logger: log.logger });
}, 120_000);

afterAll(async () => {
  await chain?.stop();
});

test('a claim asked for twice at once is sent once; a second claim finds the job already ours', async () => {
  const jobId = await chain.submitJob();
  const nonce = await chain.nonceOf(chain.bobPair.address);
  const [a, b] = await Promise.all([bobSubmitter.claim(jobId), bobSubmitter.claim(jobId)]);
  expect(a).toMatchObject({ status: 'submitted', chainJobId: String(jobId) });
  expect(b).toBe(a);
  expect(await chain.nonceOf(chain.bobPair.address)).toBe(nonce + 1);
  expect(await bobSubmitter.claim(jobId)).toEqual({ status: 'already-submitted', chainJobId: String(jobId) });
  expect(await inflight()).toBe(0);
});

test('claims are skipped, sending nothing, without a grant or when the job is taken', async () => {
  const jobId = await chain.submitJob();
  const nonce = await chain.nonceOf(chain.charliePair.address);
  expect(await charlieSubmitter.claim(jobId)).toMatchObject({ status: 'skipped', reason: 'no grant on the model' });
  await bobSubmitter.claim(jobId);
  expect(await charlieSubmitter.claim(jobId)).toMatchObject({ status: 'skipped', reason: 'job is Claimed' });
  expect(await chain.nonceOf(chain.charliePair.address)).toBe(nonce);
});

test('a result for a job claimed by another worker, an unclaimed or unknown job is refused before anything is sent', async () => {
  const claimed = await chain.submitJob();
  await bobSubmitter.claim(claimed);
  const open = await chain.submitJob();
  const nonce = await chain.nonceOf(chain.charliePair.address);
  await rejectsWith(charlieSubmitter.submitInferenceResult(claimed, fakeResult), 'ComputeJobs.NotClaimant');
  await rejectsWith(charlieSubmitter.submitInferenceResult(open, fakeResult), 'ComputeJobs.JobNotClaimed');
  await rejectsWith(charlieSubmitter.submitInferenceResult(999_999n, fakeResult), 'Pipeline.UnknownJob');
  expect(await chain.nonceOf(chain.charliePair.address)).toBe(nonce);
});

test('a wrong proof is sent once and fails on chain with ComputeJobs.InvalidProof (permanent)', async () => {
  const jobId = await chain.submitJob();
  await bobSubmitter.claim(jobId);
  const error = await bobSubmitter.submitInferenceResult(jobId, fakeResult).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isModelproofError(error)).toBe(true);
  expect((error as { code: string }).code).toBe('ComputeJobs.InvalidProof');
  expect(await inflight()).toBe(0);
});

test('malformed processor results are permanent Pipeline.InvalidResult errors', () => {
  expect(() => checkInferenceResult({ output: [], proof: fakeResult.proof })).toThrow(PermanentError);
  expect(() => checkInferenceResult({ output: ['0x12'], proof: fakeResult.proof })).toThrow('output must be');
  expect(() => checkInferenceResult({ output: expectedOutputs, proof: '0x00' })).toThrow('proof must be');
  expect(checkInferenceResult(fakeResult)).toEqual(fakeResult);
  expect(() => checkAggregationResult({ partialCid: 'bafy', partialDigest: '0x1' })).toThrow('partialDigest');
  expect(checkAggregationResult({ partialCid: 'bafy', partialDigest: `0x${'ab'.repeat(32)}` })).toEqual({ partialCid: 'bafy', partialDigest: `0x${'ab'.repeat(32)}` });
  expect(sameAccount(chain.bobPair.address, chain.bob.address)).toBe(true);
  expect(sameAccount(chain.bobPair.address, chain.charliePair.address)).toBe(false);
  expect(sameAccount('not an address', chain.bob.address)).toBe(false);
});

describe('a lost claim race (manual blocks: both claims land in one block)', () => {
  let devnet: Devnet;
  let alice: ModelproofClient;

  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, blockMode: 'manual' });
    alice = await createClient({ endpoint: devnet.endpoint, signer: new Keyring({ type: 'sr25519' }).addFromUri('//Alice') });
  }, 60_000);
  afterAll(async () => {
    await alice?.disconnect();
    await devnet?.stop();
  });

  /** Resolves `action` after building one block once `pending` transactions are in the pool. */
  async function mined<T>(action: Promise<T>, pending = 1): Promise<T> {
    for (;;) {
      if ((await alice.api.rpc.author.pendingExtrinsics()).length >= pending) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await devnet.newBlock();
    return action;
  }

  test('the slower of two claims for the last committee seat is a skip, not a failure: no warning, no dead letter', async () => {
    const bob = alice.withSigner(chain.bobPair);
    const charlie = alice.withSigner(chain.charliePair);
    await mined(registerWorker(bob, { encryptionKey: generateEncryptionKeyPair().publicKey }));
    await mined(registerWorker(charlie, { encryptionKey: generateEncryptionKeyPair().publicKey }));
    const head = (await alice.api.rpc.chain.getHeader()).number.toNumber();
    const { jobId } = await mined(
      createAggregationJob(alice, { participants: [alice.address!], committeeSize: 1, vectorLen: 1, reward: 1_000_000_000_000n, contributionDeadline: head + 50, deadline: head + 100 }),
    );
    const raceLog = captureLog();
    const bobs = new Submitter({ client: bob, metrics, logger: raceLog.logger });
    const charlies = new Submitter({ client: charlie, metrics, logger: raceLog.logger });
    // both check the chain (seat free), both send; one block holds both claims
    const outcomes = await mined(Promise.all([bobs.claim(jobId), charlies.claim(jobId)]), 2);
    const statuses = outcomes.map((o) => o.status).sort();
    expect(statuses).toEqual(['skipped', 'submitted']);
    expect(outcomes.find((o) => o.status === 'skipped')).toMatchObject({ reason: 'another worker claimed it first (ComputeJobs.CommitteeFull)' });
    expect(raceLog.records.filter((r) => r['level'] === 'warn')).toEqual([]);
    expect(raceLog.records.find((r) => r['msg'] === 'not claiming')).toMatchObject({ level: 'info', chainJobId: String(jobId) });
  }, 60_000);
});
