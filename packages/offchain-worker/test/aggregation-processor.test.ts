/**
 * The SMPC processor (`processAggregation`) against the REAL devnet (an empty block every second,
 * so the candidacy and review periods pass) and a REAL Kubo node.
 *
 * Accounts: Dave owns the jobs (their `resultKey` is his X25519 key; he is also a registered
 * worker, outside the committees); Bob, Charlie and Eve are the committee (registered workers,
 * each with its own X25519 key pair, applying in that order after the candidacy period, so the
 * seats go in order); Alice, Ferdie and two fresh accounts are the participants. Each member's
 * partial is computed by `processAggregation` with a signer-less client (as in the sandbox:
 * queries only) and posted through the SDK's `submitPartial` (the submitter's job) after the
 * review period; the owner's `fetchAggregate` must equal the plaintext sum. Tampered IPFS content
 * is served by a lying store in front of the real Kubo node.
 *
 * The last tests run one committee member through the REAL pipeline (real redis-server): its
 * listener applies for a seat, its scheduler draws the committee, it reviews every contribution
 * as it arrives (a tampered one is rejected on chain), and after the review period the BullMQ
 * sandboxed child runs src/kinds/aggregation/sandbox-entry.ts (bundled, see support/sandbox.ts),
 * which builds its deps from the worker's env config and encrypted keystore, and the submitter
 * posts the partial.
 */
import { Keyring } from '@polkadot/keyring';
import { QueueEvents } from 'bullmq';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, type IpfsNode, startDevnet, startIpfs } from '@modelproof/devnet';
import {
  type ModelproofClient,
  claimJob,
  closeContributions,
  createClient,
  getContribution,
  getJob,
  getPartial,
  registerWorker,
  submit,
  submitPartial,
  waitForBlock,
} from '@modelproof/sdk';
import { type EncryptionKeyPair, generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { type CatOptions, type Ipfs, type IpfsRequestOptions, createIpfs } from '@modelproof/sdk/ipfs';
import {
  type ContributionResult,
  contributeVector,
  createAggregationJob,
  fetchAggregate,
  waitForAggregate,
  waitForCommittee,
  waitForJobState,
} from '@modelproof/sdk/jobs';

import { createPipeline, type Pipeline } from '../src/pipeline/index.js';
import { type AggregationDeps, processAggregation } from '../src/processors/index.js';
import { PermanentError, TransientError, jobIds } from '../src/queues/index.js';
import { captureLog } from './support/chain.js';
import { type RedisServer, startRedis } from './support/redis.js';
import { type SandboxBundle, bundleSandbox } from './support/sandbox.js';
import { type ProvisionedWorker, provisionWorker } from './support/worker.js';

/** A store in front of real Kubo that serves altered bytes for the CIDs in `lies`. */
class LyingStore implements Pick<Ipfs, 'add' | 'cat'> {
  readonly lies = new Set<string>();
  constructor(private readonly inner: Ipfs) {}
  add(bytes: Uint8Array, options?: IpfsRequestOptions): Promise<string> {
    return this.inner.add(bytes, options);
  }
  async cat(cid: string, options?: CatOptions): Promise<Uint8Array> {
    const bytes = await this.inner.cat(cid, options);
    if (!this.lies.has(cid)) return bytes;
    const altered = new Uint8Array(bytes);
    const at = Math.floor(altered.length / 2);
    altered[at] = altered[at]! ^ 0x01;
    return altered;
  }
}

const SCALE_BITS = 16;
let devnet: Devnet;
let ipfsNode: IpfsNode;
let kubo: Ipfs;
let alice: ModelproofClient;
let reader: ModelproofClient;
let dave: ModelproofClient;
const committee: Array<{ name: string; pair: KeyringPair; client: ModelproofClient; keys: EncryptionKeyPair }> = [];
let participants: Array<{ pair: KeyringPair; client: ModelproofClient }> = [];
let ownerKeys: EncryptionKeyPair;

const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();
const nonceOf = async (address: string): Promise<number> => (await alice.api.rpc.system.accountNextIndex(address)).toNumber();
const partialOf = (jobId: bigint, address: string) => getPartial(alice, jobId, address);

function deps(member: (typeof committee)[number], ipfs: Pick<Ipfs, 'add' | 'cat'> = kubo, secretKey = member.keys.secretKey): AggregationDeps {
  return { client: reader, ipfs, x25519SecretKey: secretKey, account: member.pair.address, limits: { maxBytes: 1024 * 1024, fetchTimeoutMs: 30_000 } };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/** Dave's aggregation job for `who`, sealed to his result key, with time for every period. */
async function submitJob(vectorLen: number, who: typeof participants): Promise<bigint> {
  const now = await head();
  const { jobId } = await createAggregationJob(dave, {
    participants: who.map((p) => p.pair.address),
    committeeSize: 3,
    vectorLen,
    reward: 3_000_000_000n,
    contributionDeadline: now + 100,
    deadline: now + 200,
    resultKey: ownerKeys.publicKey,
  });
  return jobId;
}

/** A job with the given participants and the committee Bob, Charlie, Eve: late applicants sit in the order they apply. */
async function newJob(vectorLen: number, who: typeof participants): Promise<bigint> {
  const jobId = await submitJob(vectorLen, who);
  const job = await getJob(alice, jobId);
  await waitForBlock(alice, (job!.kind.type === 'Aggregation' ? job!.kind.candidacyEnd : 0) + 1, { timeoutMs: 20_000 });
  for (const m of committee) await claimJob(m.client, { jobId });
  const formed = await waitForCommittee(alice, jobId, { timeoutMs: 20_000 });
  expect(formed.kind.type === 'Aggregation' && formed.kind.committee).toEqual(committee.map((m) => m.pair.address));
  return jobId;
}

/** Closes contributions and waits for the end of the review period (partial sums are accepted after it). */
async function closeAndReview(jobId: bigint): Promise<number> {
  const { contributors, reviewEnd } = await closeContributions(dave, { jobId });
  await waitForBlock(alice, reviewEnd + 1, { timeoutMs: 30_000 });
  return contributors;
}

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const pair = (uri: string): KeyringPair => keyring.addFromUri(uri);
  devnet = await startDevnet({ blockTime: 1000 });
  ipfsNode = await startIpfs();
  kubo = createIpfs({ url: ipfsNode.apiUrl });
  alice = await createClient({ endpoint: devnet.endpoint, signer: pair('//Alice') });
  reader = await createClient({ endpoint: devnet.endpoint });
  dave = alice.withSigner(pair('//Dave'));
  for (const name of ['Bob', 'Charlie', 'Eve']) {
    const p = pair(`//${name}`);
    committee.push({ name, pair: p, client: alice.withSigner(p), keys: generateEncryptionKeyPair() });
  }
  const fresh = [pair('//Ferdie'), pair('//Participant3'), pair('//Participant4')];
  const bond = (alice.api.consts['computeJobs']!['workerBond'] as unknown as { toBigInt(): bigint }).toBigInt();
  for (const p of fresh) await submit(alice, alice.api.tx['balances']!['transferKeepAlive']!(p.address, bond * 10n));
  participants = [{ pair: pair('//Alice'), client: alice }, ...fresh.map((p) => ({ pair: p, client: alice.withSigner(p) }))];
  for (const m of committee) await registerWorker(m.client, { encryptionKey: m.keys.publicKey });
  // the owner's result key; Dave is also a registered worker, in none of these committees
  ownerKeys = generateEncryptionKeyPair();
  await registerWorker(dave, { encryptionKey: generateEncryptionKeyPair().publicKey });
}, 180_000);

afterAll(async () => {
  await reader?.disconnect();
  await alice?.disconnect();
  await devnet?.stop();
  await ipfsNode?.stop();
});

describe('SMPC processor (real devnet, real Kubo)', () => {
  test('4 participants, committee of 3: each partial from processAggregation, posted; the aggregate equals the plaintext sum', async () => {
    const vectors = [
      [1.5, -2.25, 0, 1000.125, -0.5, 7],
      [-1.5, 4, 3.75, -2000, -0.25, -7.0625],
      [0.0625, -0.0625, -12.5, 0.5, 33, -100.75],
      [-3, 2.5, 8.25, -0.125, -0.75, 0],
    ];
    const jobId = await newJob(vectors[0]!.length, participants);
    for (const [i, p] of participants.entries()) await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS });
    expect(await closeAndReview(jobId)).toBe(4);

    for (const [i, member] of committee.entries()) {
      const nonce = await nonceOf(member.pair.address);
      const outcome = await processAggregation(deps(member), { chainJobId: String(jobId) });
      expect(outcome.contributors).toBe(4);
      expect(outcome.partialDigest).toMatch(/^0x[0-9a-f]{64}$/);
      // the processor only computes and uploads: nothing was signed or posted by the member
      expect(await nonceOf(member.pair.address)).toBe(nonce);
      expect(await partialOf(jobId, member.pair.address)).toBeNull();
      // the sealed partial is on Kubo under its CID
      expect((await kubo.cat(outcome.partialCid)).length).toBeGreaterThan(0);
      const receipt = await submitPartial(member.client, { jobId, partialCid: outcome.partialCid, partialDigest: outcome.partialDigest });
      expect(receipt.completed).toBe(i === committee.length - 1);
      if (i === 0) {
        // a retry after the partial is on chain is refused (permanent) before any work
        const again = await rejection(processAggregation(deps(member), { chainJobId: jobId }));
        expect(again).toBeInstanceOf(PermanentError);
        expect(again.message).toMatch(/^\[Pipeline\.PartialAlreadyPosted\] /);
      }
    }
    expect((await waitForAggregate(alice, jobId, { timeoutMs: 20_000 })).status).toBe('Completed');

    const aggregate = await fetchAggregate(dave, kubo, { jobId, ownerSecretKey: ownerKeys.secretKey, scaleBits: SCALE_BITS });
    const plain = vectors[0]!.map((_, k) => vectors.reduce((s, v) => s + v[k]!, 0));
    expect(aggregate.contributors).toBe(4);
    expect(aggregate.values).toEqual(plain);
    expect(aggregate.sum).toEqual(plain.map((v) => BigInt(v * 2 ** SCALE_BITS)));
    expect(aggregate.sum.some((v) => v < 0n)).toBe(true);

    // a completed job is not processed again
    const done = await rejection(processAggregation(deps(committee[1]!), { chainJobId: jobId }));
    expect(done).toBeInstanceOf(PermanentError);
    expect(done.message).toMatch(/^\[Pipeline\.NotAggregating\] job \d+ is Completed/);
  }, 240_000);

  test('tampered IPFS content, a wrong key, a worker outside the committee → permanent errors with reasons, nothing posted; IPFS down → transient', async () => {
    const who = participants.slice(0, 3);
    const vectors = [
      [2.5, -1.25, 0.5],
      [-0.75, 3, -8.125],
      [1, 0.25, -2],
    ];
    const jobId = await newJob(3, who);
    const contributions: ContributionResult[] = [];
    for (const [i, p] of who.entries()) contributions.push(await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS }));
    await closeAndReview(jobId);
    const [bob, charlie, eve] = committee as [(typeof committee)[number], (typeof committee)[number], (typeof committee)[number]];
    const nonces = await Promise.all(committee.map((m) => nonceOf(m.pair.address)));
    const lying = new LyingStore(kubo);

    // Ferdie's share for Bob (index 0) is served altered
    const shareCid = contributions[1]!.manifest.shares[0]!.cid;
    lying.lies.add(shareCid);
    const share = await rejection(processAggregation(deps(bob, lying), { chainJobId: jobId }));
    expect(share).toBeInstanceOf(PermanentError);
    expect(share.name).toBe('UnrecoverableError');
    expect(share.message).toMatch(/^\[Job\.BadContribution\] job \d+, contribution of \w+, share 0: the bytes at \w+ do not match the recorded digest/);
    expect(share.message).toContain(shareCid);
    // found after the review period: too late to reject it, which the reason says
    expect(share.message).toContain(`the contribution of ${who[1]!.pair.address} was not rejected before the review period ended`);
    expect((share as PermanentError).code).toBe('Job.BadContribution');

    // Alice's manifest is served altered (checked against the on-chain digest)
    lying.lies.add(contributions[0]!.manifestCid);
    const manifest = await rejection(processAggregation(deps(charlie, lying), { chainJobId: jobId }));
    expect(manifest).toBeInstanceOf(PermanentError);
    expect(manifest.message).toMatch(/^\[Job\.BadContribution\] .*do not match the recorded digest/);
    expect(manifest.message).toContain(contributions[0]!.manifestCid);

    // Eve opening her shares with Bob's key
    const wrongKey = await rejection(processAggregation(deps(eve, kubo, bob.keys.secretKey), { chainJobId: jobId }));
    expect(wrongKey).toBeInstanceOf(PermanentError);
    expect(wrongKey.message).toMatch(/^\[Smpc\.WrongKey\] /);

    // Dave is a registered worker, but not in this job's committee
    const outsider = await rejection(
      processAggregation({ client: reader, ipfs: kubo, x25519SecretKey: ownerKeys.secretKey, account: dave.address! }, { chainJobId: jobId }),
    );
    expect(outsider).toBeInstanceOf(PermanentError);
    expect(outsider.message).toMatch(/^\[Pipeline\.NotInCommittee\] this worker \(\w+\) is not in the committee of job \d+/);

    // an unreachable IPFS node is transient (retried), not a verdict on the job
    const down = await rejection(
      processAggregation(deps(bob, createIpfs({ url: 'http://127.0.0.1:1', timeoutMs: 5_000 })), { chainJobId: jobId }),
    );
    expect(down).toBeInstanceOf(TransientError);
    expect(down.message).toMatch(/^\[Ipfs\.(Unavailable|Timeout)\] /);

    // nothing was posted
    for (const [i, m] of committee.entries()) {
      expect(await partialOf(jobId, m.pair.address)).toBeNull();
      expect(await nonceOf(m.pair.address)).toBe(nonces[i]);
    }
    expect((await getJob(alice, jobId))?.status).toBe('Aggregating');

    // with honest content the same job aggregates correctly
    for (const m of committee) {
      const { partialCid, partialDigest } = await processAggregation(deps(m), { chainJobId: jobId });
      await submitPartial(m.client, { jobId, partialCid, partialDigest });
    }
    expect((await waitForAggregate(alice, jobId, { timeoutMs: 20_000 })).status).toBe('Completed');
    const aggregate = await fetchAggregate(dave, kubo, { jobId, ownerSecretKey: ownerKeys.secretKey, scaleBits: SCALE_BITS });
    expect(aggregate.values).toEqual(vectors[0]!.map((_, k) => vectors.reduce((sum, v) => sum + v[k]!, 0)));
  }, 240_000);
});

describe('SMPC processor in the real pipeline (real redis-server, sandboxed child)', () => {
  let redis: RedisServer;
  let sandbox: SandboxBundle;
  let worker: ProvisionedWorker;
  let pipeline: Pipeline;
  const log = captureLog();
  /** The committee members run by the SDK (Bob's seat goes to the pipeline worker). */
  const sdkMembers = () => committee.slice(1);

  beforeAll(async () => {
    redis = await startRedis();
    sandbox = await bundleSandbox('aggregation');
    worker = await provisionWorker(alice, {
      MODELPROOF_WORKER_CHAIN_ENDPOINT: devnet.endpoint,
      MODELPROOF_WORKER_IPFS_API_URL: ipfsNode.apiUrl,
      MODELPROOF_WORKER_REDIS_URL: redis.url,
      MODELPROOF_WORKER_QUEUE_PREFIX: 'mpagg',
      MODELPROOF_WORKER_JOBS_INFERENCE: 'false',
    });
    pipeline = createPipeline(await worker.context(log.logger), { processors: { aggregation: sandbox.file }, processorEnv: worker.env, queue: { attempts: 3, backoffMs: 200 } });
    await pipeline.start();
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    await redis?.stop();
    await sandbox?.remove();
    await worker?.remove();
  });

  /** A job of `who` with the pipeline worker and the SDK members applying: three candidates for three seats. */
  async function drawnJob(vectorLen: number, who: typeof participants): Promise<{ jobId: bigint; index: number }> {
    const jobId = await submitJob(vectorLen, who);
    for (const m of sdkMembers()) await claimJob(m.client, { jobId });
    const formed = await waitForCommittee(alice, jobId, { timeoutMs: 60_000 });
    const index = formed.kind.type === 'Aggregation' ? formed.kind.committee.indexOf(worker.address) : -1;
    expect(index).toBeGreaterThanOrEqual(0);
    return { jobId, index };
  }

  /** The SDK members post their partials after the review period; resolves with the completed job's aggregate. */
  async function completeWithSdkMembers(jobId: bigint) {
    const closed = await waitForJobState(alice, jobId, (j) => j.status === 'Aggregating', 'waiting for contributions to close', { timeoutMs: 60_000 });
    await waitForBlock(alice, (closed.kind.type === 'Aggregation' ? closed.kind.reviewEnd! : 0) + 1, { timeoutMs: 30_000 });
    for (const m of sdkMembers()) {
      const { partialCid, partialDigest } = await processAggregation(deps(m), { chainJobId: jobId });
      await submitPartial(m.client, { jobId, partialCid, partialDigest });
    }
    expect((await waitForAggregate(alice, jobId, { timeoutMs: 90_000 })).status).toBe('Completed');
    return fetchAggregate(dave, kubo, { jobId, ownerSecretKey: ownerKeys.secretKey, scaleBits: SCALE_BITS });
  }

  test('a pipeline worker and two SDK members: the pipeline draws the committee, closes contributions, posts its partial after the review period; aggregate = plaintext sum', async () => {
    const vectors = [
      [0.5, -1, 2.25],
      [-4.75, 0.125, 9],
      [100, -0.5, -3.5],
      [-0.25, -7.5, 0.0625],
    ];
    const { jobId } = await drawnJob(3, participants);
    for (const [i, p] of participants.entries()) await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS });
    // nobody but the pipeline closes contributions (the last participant's contribution made it due)
    const aggregate = await completeWithSdkMembers(jobId);

    // the pipeline's partial is what its sandboxed processor computed, posted after the review period
    const processed = await pipeline.queues.aggregation.getJob(jobIds.aggregation(jobId));
    const result = processed?.returnvalue as { partialCid: string; partialDigest: string } | undefined;
    expect(result?.partialCid).toBeTruthy();
    expect(await getPartial(alice, jobId, worker.address)).toMatchObject({ partialCid: result!.partialCid, partialDigest: result!.partialDigest });
    const job = await getJob(alice, jobId);
    const included = await log.logged((r) => r['msg'] === 'transaction included' && r['chainJobId'] === String(jobId) && r['component'] === 'submitter' && (r['blockNumber'] as number) > (job!.kind.type === 'Aggregation' ? job!.kind.reviewEnd! : Infinity));
    expect(included).toBeDefined();
    expect(log.records.some((r) => r['msg'] === 'job dead-lettered')).toBe(false);

    expect(aggregate.contributors).toBe(4);
    expect(aggregate.values).toEqual(vectors[0]!.map((_, k) => vectors.reduce((s, v) => s + v[k]!, 0)));
  }, 240_000);

  test('tampered share content on Kubo: the pipeline member rejects that contribution as it arrives; the job completes over the others', async () => {
    const vectors = [
      [1.5, -2],
      [-0.25, 3],
      [4, 0.5],
    ];
    const { jobId, index } = await drawnJob(2, participants);
    for (const [i, p] of participants.slice(0, 3).entries()) await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS });
    // the fourth participant's uploader stores altered share bytes on Kubo (its manifest keeps the digests of the real shares)
    const altering = {
      add: (bytes: Uint8Array): Promise<string> => {
        if (bytes[0] === 0x7b) return kubo.add(bytes); // the manifest (JSON) as it is
        const altered = new Uint8Array(bytes);
        altered[altered.length - 1] = altered[altered.length - 1]! ^ 0xff;
        return kubo.add(altered);
      },
      cat: (cid: string): Promise<Uint8Array> => kubo.cat(cid),
    };
    const cheat = participants[3]!;
    const tampered = await contributeVector(cheat.client, altering, { jobId, vector: [-7, 7], scaleBits: SCALE_BITS });

    const reported = await log.logged((r) => r['msg'] === 'contribution cannot be opened; rejecting it' && r['chainJobId'] === String(jobId));
    expect(reported).toMatchObject({ participant: cheat.pair.address, code: 'Job.BadContribution' });
    expect(reported['reason']).toContain(tampered.manifest.shares[index]!.cid);
    // the rejection is posted while contributions are collected or during the review period
    const report = await pipeline.queues.submit.getJob(jobIds.report(jobId, cheat.pair.address));
    const events = new QueueEvents('submit', { connection: { host: '127.0.0.1', port: redis.port, maxRetriesPerRequest: null }, prefix: 'mpagg' });
    try {
      await expect(report!.waitUntilFinished(events)).resolves.toMatchObject({ status: 'submitted' });
    } finally {
      await events.close();
    }
    expect((await getContribution(alice, jobId, cheat.pair.address))?.rejectedBy).toBe(worker.address);

    const aggregate = await completeWithSdkMembers(jobId);
    expect(aggregate.contributors).toBe(3);
    expect(aggregate.values).toEqual(vectors[0]!.map((_, k) => vectors.reduce((s, v) => s + v[k]!, 0)));
    expect(log.records.some((r) => r['msg'] === 'job dead-lettered')).toBe(false);
  }, 240_000);
});
