/**
 * The SMPC processor (`processAggregation`) against the REAL devnet and a REAL Kubo node.
 *
 * Accounts: Dave owns the jobs (and publishes his X25519 key with `register_worker`, v1's way
 * for an owner); Bob, Charlie and Eve are the committee (registered workers, each with its own
 * X25519 key pair, first claimers); Alice, Ferdie and two fresh accounts are the participants.
 * Each member's partial is computed by `processAggregation` with a signer-less client (as in
 * the sandbox: queries only) and posted through the SDK's `submitPartial` (the submitter's job);
 * the owner's `fetchAggregate` must equal the plaintext sum. Tampered IPFS content is served by
 * a lying store in front of the real Kubo node.
 *
 * The last test runs one committee member through the REAL pipeline (real redis-server): its
 * listener auto-claims, sees ContributionsClosed, the BullMQ sandboxed child runs
 * src/processors/aggregation-sandbox.ts (bundled by esbuild into a gitignored cache folder, as a
 * child process cannot load TypeScript; the SDK bundled from its sources, other packages from
 * node_modules), which builds its deps from the worker's env config and encrypted keystore, and
 * the submitter posts the partial.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, type IpfsNode, startDevnet, startIpfs } from '@modelproof/devnet';
import { type ModelproofClient, claimJob, closeContributions, createClient, getJob, registerWorker, submit, submitPartial } from '@modelproof/sdk';
import { type EncryptionKeyPair, generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { type CatOptions, type Ipfs, type IpfsRequestOptions, createIpfs } from '@modelproof/sdk/ipfs';
import { type ContributionResult, contributeVector, createAggregationJob, fetchAggregate, waitForAggregate, waitForCommittee } from '@modelproof/sdk/jobs';

import { build } from 'esbuild';

import { loadConfig } from '../src/config/index.js';
import { generateKeys, loadKeys, type WorkerKeys } from '../src/keys/index.js';
import { createLogger } from '../src/log/index.js';
import { createMetrics } from '../src/metrics/index.js';
import { createPipeline, type Pipeline } from '../src/pipeline/index.js';
import { type AggregationDeps, processAggregation } from '../src/processors/aggregation.js';
import { PermanentError, TransientError, jobIds } from '../src/queues/index.js';
import { type RedisServer, startRedis } from './support/redis.js';

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
const partialOf = async (jobId: bigint, address: string): Promise<unknown> =>
  (await alice.api.query['computeJobs']!['partials']!(jobId, address)).toPrimitive();

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

/** A job with the given participants and the committee Bob, Charlie, Eve (claimed in that order). */
async function newJob(vectorLen: number, who: typeof participants): Promise<bigint> {
  const now = await head();
  const { jobId } = await createAggregationJob(dave, {
    participants: who.map((p) => p.pair.address),
    committeeSize: 3,
    vectorLen,
    reward: 3_000_000_000n,
    contributionDeadline: now + 100,
    deadline: now + 200,
  });
  for (const m of committee) await claimJob(m.client, { jobId });
  const formed = await waitForCommittee(alice, jobId, { timeoutMs: 20_000 });
  expect(formed.kind.type === 'Aggregation' && formed.kind.committee).toEqual(committee.map((m) => m.pair.address));
  return jobId;
}

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  const pair = (uri: string): KeyringPair => keyring.addFromUri(uri);
  devnet = await startDevnet();
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
  // v1: the owner publishes its X25519 key by registering as a worker; it is not in any committee here.
  ownerKeys = generateEncryptionKeyPair();
  await registerWorker(dave, { encryptionKey: ownerKeys.publicKey });
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
    expect((await closeContributions(dave, { jobId })).contributors).toBe(4);

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
    const who = participants.slice(0, 2);
    const vectors = [
      [2.5, -1.25, 0.5],
      [-0.75, 3, -8.125],
    ];
    const jobId = await newJob(3, who);
    const contributions: ContributionResult[] = [];
    for (const [i, p] of who.entries()) contributions.push(await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS }));
    await closeContributions(dave, { jobId });
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
    expect(aggregate.values).toEqual(vectors[0]!.map((v, k) => v + vectors[1]![k]!));
  }, 240_000);
});

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Bundles the sandbox entry into `dir` and writes a wrapper that gives it the operator's environment. */
async function bundleSandbox(dir: string, env: Record<string, string>): Promise<string> {
  await build({
    entryPoints: [join(ROOT, 'packages', 'offchain-worker', 'src', 'processors', 'aggregation-sandbox.ts')],
    outfile: join(dir, 'aggregation-sandbox.mjs'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace-sources',
        setup(b) {
          b.onResolve({ filter: /^@modelproof\/(sdk|types)(\/[a-z]+)?$/ }, (args) => {
            const [, pkg, sub] = /^@modelproof\/(sdk|types)(?:\/([a-z]+))?$/.exec(args.path)!;
            return { path: join(ROOT, 'packages', pkg!, 'src', ...(sub ? [sub] : []), 'index.ts') };
          });
          b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  await writeFile(join(dir, 'env.json'), JSON.stringify(env));
  const wrapper = join(dir, 'processor.mjs');
  await writeFile(
    wrapper,
    [
      "import { readFileSync } from 'node:fs';",
      "Object.assign(process.env, JSON.parse(readFileSync(new URL('./env.json', import.meta.url), 'utf8')));",
      "const sandbox = await import('./aggregation-sandbox.mjs');",
      'export default sandbox.default;',
      '',
    ].join('\n'),
  );
  return wrapper;
}

describe('SMPC processor in the real pipeline (real redis-server, sandboxed child)', () => {
  let redis: RedisServer;
  let pipeline: Pipeline;
  let keys: WorkerKeys;
  let keystoreDir: string;
  let cacheDir: string;
  const records: Array<Record<string, unknown>> = [];
  const waiters: Array<{ match: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }> = [];
  /** Resolves with the first log record (already written or to come) that matches. */
  const logged = (match: (r: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const seen = records.find(match);
      if (seen) resolve(seen);
      else waiters.push({ match, resolve });
    });
  const record = (line: string): void => {
    const r = JSON.parse(line) as Record<string, unknown>;
    records.push(r);
    for (const w of [...waiters]) {
      if (w.match(r)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(r);
      }
    }
  };

  beforeAll(async () => {
    redis = await startRedis();
    keystoreDir = await mkdtemp(join(tmpdir(), 'mp-agg-keys-'));
    // inside the repository (gitignored node_modules/.cache) so the bundle's bare imports resolve from node_modules
    cacheDir = join(ROOT, 'node_modules', '.cache', `modelproof-aggregation-test-${process.pid}`);
    await mkdir(cacheDir, { recursive: true });
    const passphrase = 'aggregation test passphrase';
    await generateKeys({ dir: keystoreDir, passphrase });
    keys = await loadKeys({ dir: keystoreDir, passphrase });
    const bond = (alice.api.consts['computeJobs']!['workerBond'] as unknown as { toBigInt(): bigint }).toBigInt();
    await submit(alice, alice.api.tx['balances']!['transferKeepAlive']!(keys.address, bond * 10n));
    await registerWorker(alice.withSigner(keys.signer), { encryptionKey: keys.x25519.publicKey });
    const env = {
      MODELPROOF_WORKER_CHAIN_ENDPOINT: devnet.endpoint,
      MODELPROOF_WORKER_IPFS_API_URL: ipfsNode.apiUrl,
      MODELPROOF_WORKER_REDIS_URL: redis.url,
      MODELPROOF_WORKER_KEYSTORE_DIR: keystoreDir,
      MODELPROOF_WORKER_QUEUE_PREFIX: 'mpagg',
      MODELPROOF_WORKER_METRICS_ENABLED: 'false',
    };
    const processor = await bundleSandbox(cacheDir, { ...env, MODELPROOF_WORKER_KEYSTORE_PASSPHRASE: passphrase });
    const config = await loadConfig({ env });
    const logger = createLogger({ level: 'debug', destination: { write: record } });
    pipeline = createPipeline(
      { config, keys, logger, metrics: createMetrics({ processMetrics: false }), signal: new AbortController().signal, env: process.env },
      { processors: { aggregation: processor }, queue: { attempts: 3, backoffMs: 200 } },
    );
    await pipeline.start();
  }, 180_000);

  afterAll(async () => {
    await pipeline?.stop();
    await redis?.stop();
    if (keystoreDir) await rm(keystoreDir, { recursive: true, force: true });
    if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
  });

  test('a pipeline worker (auto-claim → ContributionsClosed → sandboxed processor → submitter) and two SDK members: aggregate = plaintext sum', async () => {
    const vectors = [
      [0.5, -1, 2.25],
      [-4.75, 0.125, 9],
      [100, -0.5, -3.5],
      [-0.25, -7.5, 0.0625],
    ];
    const now = await head();
    const { jobId } = await createAggregationJob(dave, {
      participants: participants.map((p) => p.pair.address),
      committeeSize: 3,
      vectorLen: 3,
      reward: 3_000_000_000n,
      contributionDeadline: now + 100,
      deadline: now + 200,
    });
    const [, charlie, eve] = committee as [(typeof committee)[number], (typeof committee)[number], (typeof committee)[number]];
    await claimJob(charlie.client, { jobId });
    await claimJob(eve.client, { jobId });
    const formed = await waitForCommittee(alice, jobId, { timeoutMs: 60_000 }); // the pipeline worker claims on the finalized JobSubmitted
    expect(formed.kind.type === 'Aggregation' && formed.kind.committee).toContain(keys.address);
    for (const [i, p] of participants.entries()) await contributeVector(p.client, kubo, { jobId, vector: vectors[i]!, scaleBits: SCALE_BITS });
    await closeContributions(dave, { jobId });
    for (const m of [charlie, eve]) {
      const { partialCid, partialDigest } = await processAggregation(deps(m), { chainJobId: jobId });
      await submitPartial(m.client, { jobId, partialCid, partialDigest });
    }
    expect((await waitForAggregate(alice, jobId, { timeoutMs: 90_000 })).status).toBe('Completed');

    // the pipeline's partial is what its sandboxed processor computed
    const processed = await pipeline.queues.aggregation.getJob(jobIds.aggregation(jobId));
    const result = processed?.returnvalue as { partialCid: string; partialDigest: string } | undefined;
    expect(result?.partialCid).toBeTruthy();
    const stored = await alice.api.query['computeJobs']!['partials']!(jobId, keys.address);
    expect(stored.toHuman()).toEqual([result!.partialCid, result!.partialDigest]);
    expect(records.some((r) => r['msg'] === 'job dead-lettered')).toBe(false);

    const aggregate = await fetchAggregate(dave, kubo, { jobId, ownerSecretKey: ownerKeys.secretKey, scaleBits: SCALE_BITS });
    expect(aggregate.contributors).toBe(4);
    expect(aggregate.values).toEqual(vectors[0]!.map((_, k) => vectors.reduce((s, v) => s + v[k]!, 0)));
  }, 240_000);

  test('tampered share content on Kubo: the sandboxed processor fails permanently with the reason, dead-lettered once, nothing posted', async () => {
    const now = await head();
    const who = participants.slice(0, 2);
    const { jobId } = await createAggregationJob(dave, {
      participants: who.map((p) => p.pair.address),
      committeeSize: 3,
      vectorLen: 2,
      reward: 3_000_000_000n,
      contributionDeadline: now + 100,
      deadline: now + 200,
    });
    const [, charlie, eve] = committee as [(typeof committee)[number], (typeof committee)[number], (typeof committee)[number]];
    await claimJob(charlie.client, { jobId });
    await claimJob(eve.client, { jobId });
    const formed = await waitForCommittee(alice, jobId, { timeoutMs: 60_000 });
    const index = formed.kind.type === 'Aggregation' ? formed.kind.committee.indexOf(keys.address) : -1;
    expect(index).toBeGreaterThanOrEqual(0);
    await contributeVector(who[0]!.client, kubo, { jobId, vector: [1.5, -2], scaleBits: SCALE_BITS });
    // the second participant's uploader stores altered share bytes on Kubo (its manifest keeps the digests of the real shares)
    const altering = {
      add: (bytes: Uint8Array): Promise<string> => {
        if (bytes[0] === 0x7b) return kubo.add(bytes); // the manifest (JSON) as it is
        const altered = new Uint8Array(bytes);
        altered[altered.length - 1] = altered[altered.length - 1]! ^ 0xff;
        return kubo.add(altered);
      },
      cat: (cid: string): Promise<Uint8Array> => kubo.cat(cid),
    };
    const tampered = await contributeVector(who[1]!.client, altering, { jobId, vector: [-0.25, 3], scaleBits: SCALE_BITS });
    await closeContributions(dave, { jobId });
    const nonce = await nonceOf(keys.address);

    const dead = await logged((r) => r['msg'] === 'job dead-lettered' && r['chainJobId'] === String(jobId));
    expect(dead).toMatchObject({ queue: 'aggregation', code: 'Job.BadContribution' });
    const entry = await pipeline.queues.deadLetter.getJob(jobIds.deadLetter('aggregation', jobIds.aggregation(jobId)));
    expect(entry?.data).toMatchObject({ chainJobId: String(jobId), kind: 'aggregation', code: 'Job.BadContribution', attempts: 1 });
    expect(entry?.data.reason).toMatch(new RegExp(`^\\[Job\\.BadContribution\\] job ${jobId}, contribution of \\w+, share ${index}: the bytes at \\w+ do not match the recorded digest`));
    expect(entry?.data.reason).toContain(tampered.manifest.shares[index]!.cid);
    // nothing was queued for submission or posted
    expect(await pipeline.queues.submit.getJob(jobIds.partial(jobId))).toBeUndefined();
    expect(await partialOf(jobId, keys.address)).toBeNull();
    expect(await nonceOf(keys.address)).toBe(nonce);
    expect((await getJob(alice, jobId))?.status).toBe('Aggregating');
  }, 240_000);
});
