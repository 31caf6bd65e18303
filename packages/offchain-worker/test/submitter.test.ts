/**
 * The submitter against the REAL devnet: chain-state checks before every post (nothing is sent
 * when the job is not ours, already done, unknown, or the result is malformed), one claim per
 * job even when asked twice at once, the in-flight transactions gauge; hand-backs; and, on a
 * devnet whose blocks the test builds, the committee actions at the blocks the runtime allows
 * them (too early: a skip that says when; a benign race: a skip, not a failure).
 */
import { Keyring } from '@polkadot/keyring';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import {
  type Hex,
  claimJob,
  contribute,
  createClient,
  getContribution,
  getEscrow,
  getJob,
  getWorker,
  isModelproofError,
  type ModelproofClient,
  registerWorker,
} from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { createAggregationJob } from '@modelproof/sdk/jobs';

import { createMetrics } from '../src/metrics/index.js';
import { PermanentError } from '../src/queues/index.js';
import { checkAggregationResult, checkInferenceResult, postCloseContributions, postFormCommittee, postInferenceResult, postPartial, postReportContribution } from '../src/kinds/index.js';
import { Submitter, sameAccount } from '../src/submitter/index.js';
import { type ChainFixture, captureLog, expectedOutputs, setupChain } from './support/chain.js';

let chain: ChainFixture;
const log = captureLog();
const metrics = createMetrics({ processMetrics: false });
let bobSubmitter: Submitter;
let charlieSubmitter: Submitter;
const fakeResult = { output: expectedOutputs, outputCommitment: `0x${'02'.repeat(32)}` as const, proof: `0x${'01'.repeat(256)}` as const };

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
  await rejectsWith(postInferenceResult(charlieSubmitter, claimed, fakeResult), 'ComputeJobs.NotClaimant');
  await rejectsWith(postInferenceResult(charlieSubmitter, open, fakeResult), 'ComputeJobs.JobNotClaimed');
  await rejectsWith(postInferenceResult(charlieSubmitter, 999_999n, fakeResult), 'Pipeline.UnknownJob');
  expect(await chain.nonceOf(chain.charliePair.address)).toBe(nonce);
});

test('a wrong proof is sent once and fails on chain with ComputeJobs.InvalidProof (permanent)', async () => {
  const jobId = await chain.submitJob();
  await bobSubmitter.claim(jobId);
  const error = await postInferenceResult(bobSubmitter, jobId, fakeResult).then(
    () => null,
    (e: unknown) => e,
  );
  expect(isModelproofError(error)).toBe(true);
  expect((error as { code: string }).code).toBe('ComputeJobs.InvalidProof');
  expect(await inflight()).toBe(0);
});

test('malformed processor results are permanent Pipeline.InvalidResult errors', () => {
  const c = fakeResult.outputCommitment;
  expect(() => checkInferenceResult({ output: [], outputCommitment: c, proof: fakeResult.proof })).toThrow(PermanentError); // neither outputs nor sealed outputs
  expect(() => checkInferenceResult({ output: ['0x12'], outputCommitment: c, proof: fakeResult.proof })).toThrow('output must be');
  expect(() => checkInferenceResult({ output: expectedOutputs, outputCommitment: c, proof: '0x00' })).toThrow('proof must be');
  expect(() => checkInferenceResult({ output: expectedOutputs, proof: fakeResult.proof })).toThrow('outputCommitment must be');
  expect(() => checkInferenceResult({ ...fakeResult, sealedOutputCid: 'bafy' })).toThrow('not both');
  expect(() => checkInferenceResult({ output: [], outputCommitment: c, sealedOutputCid: '', proof: fakeResult.proof })).toThrow('sealedOutputCid');
  expect(checkInferenceResult(fakeResult)).toEqual(fakeResult);
  const committed = { output: [], outputCommitment: c, sealedOutputCid: 'bafysealed', proof: fakeResult.proof };
  expect(checkInferenceResult(committed)).toEqual(committed);
  expect(() => checkAggregationResult({ partialCid: 'bafy', partialDigest: '0x1' })).toThrow('partialDigest');
  expect(checkAggregationResult({ partialCid: 'bafy', partialDigest: `0x${'ab'.repeat(32)}` })).toEqual({ partialCid: 'bafy', partialDigest: `0x${'ab'.repeat(32)}` });
  expect(sameAccount(chain.bobPair.address, chain.bob.address)).toBe(true);
  expect(sameAccount(chain.bobPair.address, chain.charliePair.address)).toBe(false);
  expect(sameAccount('not an address', chain.bob.address)).toBe(false);
});

test('hand-back: only by the claimant, before the deadline; the job fails without a slash and the consumer is refunded', async () => {
  const jobId = await chain.submitJob();
  await bobSubmitter.claim(jobId);
  const nonce = await chain.nonceOf(chain.charliePair.address);
  expect(await charlieSubmitter.handBack(jobId, 'InputUnavailable')).toMatchObject({ status: 'skipped', reason: 'not claimed by this worker' });
  expect(await chain.nonceOf(chain.charliePair.address)).toBe(nonce);
  const before = (await getWorker(chain.alice, chain.bobPair.address))!;
  const job = (await getJob(chain.alice, jobId))!;
  expect(await getEscrow(chain.alice, job.escrowId)).not.toBeNull();

  expect(await bobSubmitter.handBack(jobId, 'InputUnavailable')).toMatchObject({ status: 'submitted' });
  expect((await getJob(chain.alice, jobId))?.status).toBe('Failed');
  const after = (await getWorker(chain.alice, chain.bobPair.address))!;
  expect(after.bond).toBe(before.bond);
  expect(after.openJobs).toBe(before.openJobs - 1);
  expect(await getEscrow(chain.alice, job.escrowId)).toBeNull(); // refunded to the consumer
  expect(await bobSubmitter.handBack(jobId, 'InputUnavailable')).toMatchObject({ status: 'skipped', reason: 'job is Failed' });
});

describe('protocol actions on a devnet whose blocks the test builds', () => {
  let devnet: Devnet;
  let alice: ModelproofClient;
  let bobs: Submitter;
  let charlies: Submitter;
  let alices: Submitter;
  const keyring = new Keyring({ type: 'sr25519' });
  const [eve, ferdie] = [keyring.addFromUri('//Eve'), keyring.addFromUri('//Ferdie')];

  beforeAll(async () => {
    devnet = await startDevnet({ port: 0, blockMode: 'manual' });
    alice = await createClient({ endpoint: devnet.endpoint, signer: keyring.addFromUri('//Alice') });
    for (const worker of [alice, alice.withSigner(chain.bobPair), alice.withSigner(chain.charliePair)]) {
      await mined(registerWorker(worker, { encryptionKey: generateEncryptionKeyPair().publicKey }));
    }
    bobs = new Submitter({ client: alice.withSigner(chain.bobPair), metrics, logger: log.logger });
    charlies = new Submitter({ client: alice.withSigner(chain.charliePair), metrics, logger: log.logger });
    alices = new Submitter({ client: alice, metrics, logger: log.logger });
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

  const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();
  /** Builds empty blocks until the head is `block`. */
  const advanceTo = async (block: number): Promise<void> => {
    const missing = block - (await head());
    if (missing > 0) await devnet.newBlock(missing);
  };
  const nonceOf = async (address: string): Promise<number> => (await alice.api.rpc.system.accountNextIndex(address)).toNumber();
  const manifest = (byte: number): { manifestCid: string; manifestDigest: Hex } => ({ manifestCid: `bafy-manifest-${byte}`, manifestDigest: `0x${byte.toString(16).padStart(2, '0').repeat(32)}` });

  /** Alice's job for Alice, Eve, Ferdie (and Dave with `four`); committee of 2; contributions until 20 blocks ahead. */
  async function aggregationJob(four = false) {
    const now = await head();
    const participants = [alice.address!, eve.address, ferdie.address, ...(four ? [keyring.addFromUri('//Dave').address] : [])];
    const { jobId } = await mined(
      createAggregationJob(alice, { participants, committeeSize: 2, vectorLen: 1, reward: 2_000_000_000_000n, contributionDeadline: now + 20, deadline: now + 60, resultKey: generateEncryptionKeyPair().publicKey }),
    );
    const job = (await getJob(alice, jobId))!;
    if (job.kind.type !== 'Aggregation') throw new Error('not an aggregation job');
    return { jobId, candidacyEnd: job.kind.candidacyEnd, contributionDeadline: job.kind.contributionDeadline };
  }

  /** A job whose committee is Bob and Charlie (late applicants: no draw). */
  async function seatedJob(four = false) {
    const job = await aggregationJob(four);
    await advanceTo(job.candidacyEnd);
    await mined(bobs.claim(job.jobId));
    await mined(charlies.claim(job.jobId));
    expect((await getJob(alice, job.jobId))?.status).toBe('Collecting');
    return job;
  }

  const contributeAs = (uri: string, jobId: bigint, byte: number) => mined(contribute(alice.withSigner(keyring.addFromUri(uri)), { jobId, ...manifest(byte) }));

  test('the slower of two late applications for the last committee seat is a skip, not a failure: no warning, no dead letter', async () => {
    const { jobId, candidacyEnd } = await aggregationJob();
    await mined(claimJob(alice, { jobId })); // one candidate in the candidacy period
    await advanceTo(candidacyEnd); // past it: late applicants take the one seat left as they come
    const raceLog = captureLog();
    const bobRacing = new Submitter({ client: alice.withSigner(chain.bobPair), metrics, logger: raceLog.logger });
    const charlieRacing = new Submitter({ client: alice.withSigner(chain.charliePair), metrics, logger: raceLog.logger });
    // both check the chain (a seat free), both send; one block holds both: the first fills the committee
    const outcomes = await mined(Promise.all([bobRacing.claim(jobId), charlieRacing.claim(jobId)]), 2);
    const statuses = outcomes.map((o) => o.status).sort();
    expect(statuses).toEqual(['skipped', 'submitted']);
    expect(outcomes.find((o) => o.status === 'skipped')).toMatchObject({ reason: 'another worker claimed it first (ComputeJobs.CommitteeFull)' });
    expect(raceLog.records.filter((r) => r['level'] === 'warn')).toEqual([]);
    expect(raceLog.records.find((r) => r['msg'] === 'not claiming')).toMatchObject({ level: 'info', chainJobId: String(jobId) });
  }, 60_000);

  test('form-committee: too early is a skip that says when; from candidacyEnd + 2 the draw; a second draw finds the committee formed', async () => {
    const { jobId, candidacyEnd } = await aggregationJob();
    await mined(bobs.claim(jobId));
    await mined(charlies.claim(jobId));
    const nonce = await nonceOf(chain.bobPair.address);
    expect(await postFormCommittee(bobs, jobId)).toMatchObject({ status: 'skipped', next: { action: 'form-committee', atBlock: candidacyEnd + 2 } });
    expect(await nonceOf(chain.bobPair.address)).toBe(nonce);
    await advanceTo(candidacyEnd + 1);
    expect(await mined(postFormCommittee(bobs, jobId))).toMatchObject({ status: 'submitted' });
    const job = await getJob(alice, jobId);
    expect(job?.status).toBe('Collecting');
    expect(job?.kind.type === 'Aggregation' && [...job.kind.committee].sort()).toEqual([chain.bobPair.address, chain.charliePair.address].sort());
    expect(await postFormCommittee(charlies, jobId)).toMatchObject({ status: 'skipped', reason: 'the committee is already formed' });
  }, 60_000);

  test('close-contributions waits for the deadline unless all contributed; with too few valid contributions expire ends the job without a slash and frees the seats', async () => {
    const { jobId, contributionDeadline } = await seatedJob();
    await contributeAs('//Alice', jobId, 1);
    await contributeAs('//Eve', jobId, 2);
    expect(await postCloseContributions(bobs, jobId)).toMatchObject({ status: 'skipped', next: { action: 'close-contributions', atBlock: contributionDeadline + 1 } });
    await advanceTo(contributionDeadline);
    const next = (await head()) + 1;
    expect(await postCloseContributions(bobs, jobId)).toMatchObject({ status: 'skipped', reason: 'too few valid contributions (2 of 3)', next: { action: 'expire', atBlock: next } });
    const before = (await getWorker(alice, chain.bobPair.address))!;
    expect(await mined(bobs.expire(jobId))).toMatchObject({ status: 'submitted' });
    expect((await getJob(alice, jobId))?.status).toBe('Failed');
    const after = (await getWorker(alice, chain.bobPair.address))!;
    expect(after.bond).toBe(before.bond);
    expect(after.openJobs).toBe(before.openJobs - 1);
    expect(await charlies.expire(jobId)).toMatchObject({ status: 'skipped', reason: 'job is Failed' });
  }, 60_000);

  test('report-contribution: committee members only, while collecting and until reviewEnd, once per contribution', async () => {
    const { jobId } = await seatedJob(true);
    for (const [i, uri] of ['//Alice', '//Eve', '//Ferdie'].entries()) await contributeAs(uri, jobId, 0x10 + i);
    await rejectsWith(postReportContribution(alices, jobId, eve.address), 'ComputeJobs.NotCommitteeMember');
    expect(await mined(postReportContribution(bobs, jobId, eve.address))).toMatchObject({ status: 'submitted' });
    expect((await getContribution(alice, jobId, eve.address))?.rejectedBy).toBe(chain.bobPair.address);
    expect(await postReportContribution(charlies, jobId, eve.address)).toMatchObject({ status: 'skipped', reason: `already rejected by ${chain.bobPair.address}` });
    // the last participant contributes: all in, three valid ones, contributions close at once
    await contributeAs('//Dave', jobId, 0x13);
    expect(await mined(postCloseContributions(bobs, jobId))).toMatchObject({ status: 'submitted' });
    const job = (await getJob(alice, jobId))!;
    const reviewEnd = job.kind.type === 'Aggregation' ? job.kind.reviewEnd! : 0;
    await advanceTo(reviewEnd); // a report could still land in block reviewEnd …
    await devnet.newBlock(); // … not after it
    const nonce = await nonceOf(chain.charliePair.address);
    expect(await postReportContribution(charlies, jobId, ferdie.address)).toMatchObject({ status: 'skipped', reason: 'job is Aggregating: the review period is over' });
    expect(await nonceOf(chain.charliePair.address)).toBe(nonce);
  }, 60_000);

  test('expire: not while the job can still be delivered (it says when to look again), never for a job without a claim of ours; a committee never formed fails the job', async () => {
    const { jobId, contributionDeadline } = await aggregationJob();
    await mined(bobs.claim(jobId)); // the only candidate: the committee cannot form
    expect(await bobs.expire(jobId)).toMatchObject({ status: 'skipped', reason: 'the job can still be delivered', next: { action: 'expire', atBlock: contributionDeadline + 1 } });
    expect(await charlies.expire(jobId)).toMatchObject({ status: 'skipped', reason: 'this worker holds no claim on it' });
    await advanceTo(contributionDeadline);
    const before = (await getWorker(alice, chain.bobPair.address))!;
    expect(await mined(bobs.expire(jobId))).toMatchObject({ status: 'submitted' });
    expect((await getJob(alice, jobId))?.status).toBe('Failed');
    expect((await getWorker(alice, chain.bobPair.address))!).toMatchObject({ bond: before.bond, openJobs: before.openJobs - 1 });
  }, 60_000);

  test('rejections during the review leave too few valid contributions: no partial is sent, expire fails the job and nobody is slashed', async () => {
    const { jobId } = await seatedJob(true);
    for (const [i, uri] of ['//Alice', '//Eve', '//Ferdie', '//Dave'].entries()) await contributeAs(uri, jobId, 0x20 + i);
    expect(await mined(postCloseContributions(bobs, jobId))).toMatchObject({ status: 'submitted' });
    await mined(postReportContribution(bobs, jobId, eve.address));
    await mined(postReportContribution(charlies, jobId, ferdie.address));
    const job = (await getJob(alice, jobId))!;
    await advanceTo(job.kind.type === 'Aggregation' ? job.kind.reviewEnd! : 0);
    const nonce = await nonceOf(chain.bobPair.address);
    const partial = { partialCid: 'bafy-partial', partialDigest: `0x${'cd'.repeat(32)}` as const };
    const next = (await head()) + 1;
    expect(await postPartial(bobs, jobId, partial)).toMatchObject({ status: 'skipped', reason: 'too few valid contributions (2 of 3)', next: { action: 'expire', atBlock: next } });
    expect(await nonceOf(chain.bobPair.address)).toBe(nonce);
    const before = await Promise.all([chain.bobPair.address, chain.charliePair.address].map(async (a) => (await getWorker(alice, a))!));
    expect(await mined(bobs.expire(jobId))).toMatchObject({ status: 'submitted' });
    expect((await getJob(alice, jobId))?.status).toBe('Failed');
    for (const [i, a] of [chain.bobPair.address, chain.charliePair.address].entries()) {
      expect(await getWorker(alice, a)).toMatchObject({ bond: before[i]!.bond, openJobs: before[i]!.openJobs - 1 });
    }
  }, 60_000);
});
