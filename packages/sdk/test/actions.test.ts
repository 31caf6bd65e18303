// Every action of @modelproof/sdk against the real devnet (chopsticks running the committed runtime).
// One devnet for the whole file; the steps build on each other (model → grant → job …).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet } from '@modelproof/devnet';
import {
  type Hex,
  type ModelproofClient,
  batch,
  circuitIdOf,
  claimJob,
  closeContributions,
  contribute,
  createClient,
  createEscrow,
  deregisterWorker,
  disputeEscrow,
  estimateFee,
  expireJob,
  formCommittee,
  getCircuit,
  getContribution,
  getDigestRegistrations,
  getEscrow,
  getGrant,
  getInferenceOutputs,
  getJob,
  getJobLimits,
  getModel,
  getModelByDigest,
  getWorker,
  grantAccess,
  grantAccessCall,
  handBackJob,
  handBackJobCall,
  pruneJob,
  publishVersion,
  refundEscrow,
  registerCircuit,
  registerModel,
  registerModelCall,
  registerWorker,
  releaseEscrow,
  reportContribution,
  resolveEscrow,
  retireModel,
  revokeAccess,
  submitAggregationJob,
  submitInferenceJob,
  submitInferenceJobCall,
  submitInferenceResult,
  submitPartial,
  transferOwnership,
  waitForBlock,
  waitForJob,
} from '@modelproof/sdk';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { rejectsWith } from './helpers.js';

const repoRoot = join(import.meta.dirname, '..', '..', '..');
// The test circuit (W = [[2, −3], [5, 7]], b = [1, −4] as constants) and its proofs for x = [3, 4]:
// public signals [y0, y1, output_commitment, job_id, input_hash, reveal].
const fixture = JSON.parse(readFileSync(join(repoRoot, 'circuits', 'build', 'fixture_2x2', 'fixture.json'), 'utf8')) as {
  input_hash: string;
  out_commitment: string;
  expected_outputs_field: string[];
  proofs: Array<{ job_id: string; reveal: boolean; proof_hex: string }>;
};
const vk = new Uint8Array(readFileSync(join(repoRoot, 'runtime-spec', 'circuits', 'fixture_2x2', 'vk.bin')));
const circuitId = circuitIdOf(vk);

const field = (decimal: string): Hex => `0x${BigInt(decimal).toString(16).padStart(64, '0')}`;
const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`;
const bytesOf = (hex: string): Uint8Array => Uint8Array.from(Buffer.from(hex.replace(/^0x/, ''), 'hex'));


let devnet: Devnet;
let alice: ModelproofClient;
let bob: ModelproofClient;
let charlie: ModelproofClient;
let dave: ModelproofClient;
let eve: ModelproofClient;
let pairs: Record<string, KeyringPair>;

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  pairs = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave', 'Eve'].map((n) => [n, keyring.addFromUri(`//${n}`)]));
  devnet = await startDevnet();
  alice = await createClient({ endpoint: devnet.endpoint, signer: pairs['Alice']! });
  bob = alice.withSigner(pairs['Bob']!);
  charlie = alice.withSigner(pairs['Charlie']!);
  dave = alice.withSigner(pairs['Dave']!);
  eve = alice.withSigner(pairs['Eve']!);
});

afterAll(async () => {
  await alice?.disconnect();
  await devnet?.stop();
});

const head = async (): Promise<number> => (await alice.api.rpc.chain.getHeader()).number.toNumber();

const model0 = {
  digest: hash(0xa0),
  ciphertextDigest: hash(0xa1),
  cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  circuitId,
  royalty: 100_000, // 10 %
};

describe('ModelRegistry actions', () => {
  test('a model names a registered circuit only (ModelRegistry.UnknownCircuit); registerCircuit / getCircuit', async () => {
    await rejectsWith(registerModel(alice, model0), 'ModelRegistry.UnknownCircuit');
    expect(await getModelByDigest(alice, model0.digest)).toBeNull();

    const receipt = await registerCircuit(alice, { vk });
    expect(receipt.circuitId).toBe(circuitId);
    expect(receipt.circuitId).toBe('0xab3bbe875412cf769ae5e7440dc24e47dacae75156fd1dd068f7d9940e0fca26');
    expect(receipt.nPublic).toBe(6); // 2 outputs + output commitment, job id, input hash, reveal
    const circuit = await getCircuit(alice, circuitId);
    expect(circuit).toMatchObject({ id: circuitId, nPublic: 6, owner: alice.address });
    expect(circuit?.vk).toEqual(vk);
    expect(await getCircuit(alice, hash(1))).toBeNull();
    await rejectsWith(registerCircuit(bob, { vk }), 'ComputeJobs.CircuitExists');
  });

  test('registerModel → receipt with modelId, events, fee; getModel / getModelByDigest', async () => {
    const receipt = await registerModel(alice, model0);
    expect(receipt.modelId).toBe(0n);
    expect(receipt.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipt.blockHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(receipt.blockNumber).toBe(await head());
    expect(receipt.fee).toBeGreaterThan(0n);
    // only this extrinsic's events, decoded to plain values
    const registered = receipt.events.find((e) => e.method === 'ModelRegistered');
    expect(registered).toEqual({
      section: 'ModelRegistry',
      method: 'ModelRegistered',
      data: { modelId: 0n, owner: alice.address, digest: model0.digest, cid: new TextEncoder().encode(model0.cid) },
    });
    expect(receipt.events.map((e) => `${e.section}.${e.method}`)).toContain('System.ExtrinsicSuccess');
    expect(receipt.events.map((e) => `${e.section}.${e.method}`)).not.toContain('System.ExtrinsicFailed');

    const model = await getModel(alice, 0n);
    expect(model).toMatchObject({
      id: 0n,
      owner: alice.address,
      digest: model0.digest,
      ciphertextDigest: model0.ciphertextDigest,
      cid: model0.cid,
      circuitId,
      royalty: 100_000,
      version: 1,
      previous: null,
      status: 'Active',
      registeredAt: receipt.blockNumber,
      depositor: alice.address,
    });
    expect(typeof model?.deposit).toBe('bigint');
    expect(await getModelByDigest(alice, model0.digest)).toEqual(model);
    expect(await getModelByDigest(alice, model0.digest, { registrant: alice.address! })).toEqual(model);
    expect(await getModelByDigest(alice, model0.digest, { registrant: pairs['Bob']!.address })).toBeNull();
    expect(await getModel(alice, 999n)).toBeNull();
    expect(await getModelByDigest(alice, hash(0xdead))).toBeNull();
  });

  test('a duplicate digest fails with the typed DispatchError ModelRegistry.DuplicateDigest', async () => {
    const error = await rejectsWith<import('@modelproof/sdk').DispatchError>(
      registerModel(alice, { ...model0, ciphertextDigest: hash(0xa2) }),
      'ModelRegistry.DuplicateDigest',
    );
    expect(error.name).toBe('DispatchError');
    expect(error.pallet).toBe('ModelRegistry');
    expect(error.error).toBe('DuplicateDigest');
    expect(error.docs).toMatch(/already registered/);
    expect(error.message).toMatch(/^ModelRegistry\.DuplicateDigest: .*already registered/);
    expect(error.blockHash).toMatch(/^0x/);
    expect(error.txHash).toMatch(/^0x/);
  });

  test('a call by a non-owner fails with ModelRegistry.NotOwner', async () => {
    await rejectsWith(grantAccess(bob, { modelId: 0n, grantee: pairs['Bob']!.address, envelope: new Uint8Array(80).fill(1) }), 'ModelRegistry.NotOwner');
  });

  test('publishVersion, grantAccess / getGrant / revokeAccess, transferOwnership, retireModel', async () => {
    const v2 = await publishVersion(alice, { ...model0, previous: 0n, digest: hash(0xb0), ciphertextDigest: hash(0xb1), cid: 'bafy-v2' });
    expect(v2.modelId).toBe(1n);
    expect(v2.version).toBe(2);
    expect(await getModel(alice, 1n)).toMatchObject({ version: 2, previous: 0n, cid: 'bafy-v2' });

    const envelope = Uint8Array.from({ length: 92 }, (_, i) => i);
    await grantAccess(alice, { modelId: 0n, grantee: pairs['Bob']!.address, envelope }); // Bob works on model 0 below
    await grantAccess(alice, { modelId: 1n, grantee: pairs['Eve']!.address, envelope });
    expect(await getGrant(alice, 0n, pairs['Bob']!.address)).toEqual(envelope);
    expect(await getGrant(alice, 1n, pairs['Eve']!.address)).toEqual(envelope);
    const revoked = await revokeAccess(alice, { modelId: 1n, grantee: pairs['Eve']!.address });
    expect(revoked.events.some((e) => e.method === 'AccessRevoked' && e.data['modelId'] === 1n)).toBe(true);
    expect(await getGrant(alice, 1n, pairs['Eve']!.address)).toBeNull();

    const moved = await transferOwnership(alice, { modelId: 1n, newOwner: pairs['Charlie']!.address });
    expect(moved.events.find((e) => e.method === 'OwnershipTransferred')?.data).toEqual({
      modelId: 1n,
      from: alice.address,
      to: charlie.address,
    });
    expect((await getModel(alice, 1n))?.owner).toBe(charlie.address);

    await retireModel(charlie, { modelId: 1n });
    expect((await getModel(alice, 1n))?.status).toBe('Retired');
    await rejectsWith(retireModel(charlie, { modelId: 1n }), 'ModelRegistry.ModelRetired');
  });
  test('a front-runner copying a digest does not keep the owner out; registrations are queryable first-first', async () => {
    const digest = hash(0xf0);
    const copied = await registerModel(eve, { ...model0, digest, ciphertextDigest: hash(0xf1), cid: 'bafy-copy' });
    const own = await registerModel(dave, { ...model0, digest, ciphertextDigest: hash(0xf1), cid: 'bafy-original' });
    expect(await getDigestRegistrations(alice, digest)).toEqual([
      { registrant: eve.address, modelId: copied.modelId },
      { registrant: dave.address, modelId: own.modelId },
    ]);
    expect((await getModelByDigest(alice, digest, { registrant: dave.address! }))?.cid).toBe('bafy-original');
    await rejectsWith(registerModel(dave, { ...model0, digest, ciphertextDigest: hash(0xf2), cid: 'bafy-again' }), 'ModelRegistry.DuplicateDigest');
  });
});

describe('ComputeJobs actions', () => {
  test('registerWorker / getWorker', async () => {
    for (const [client, key] of [[bob, hash(0xb0b)], [charlie, hash(0xc4a)]] as const) {
      await registerWorker(client, { encryptionKey: key });
      expect(await getWorker(alice, client.address!)).toMatchObject({ account: client.address, encryptionKey: key, openJobs: 0 });
    }
    expect(await getWorker(alice, pairs['Dave']!.address)).toBeNull();
  });

  test('inference jobs, committed and public outputs: submit (the model\'s circuit) → claim → result verified on chain → waitForJob / getInferenceOutputs', async () => {
    const deadline = (await head()) + 100;
    const inputHash = field(fixture.input_hash);
    const resultKey = u8aToHex(generateEncryptionKeyPair().publicKey) as Hex;
    // The fixture's committed proof is for job 0, its public ones for jobs 0 and 1.
    const committed = await submitInferenceJob(dave, { modelId: 0n, inputHash, inputCid: 'bafy-input', outputs: { resultKey }, reward: 1_000_000_000_000n, deadline });
    expect(committed.jobId).toBe(0n);
    const open = await submitInferenceJob(dave, { modelId: 0n, inputHash, inputCid: 'bafy-input-2', reward: 2_000_000_000_000n, deadline });
    expect(open.jobId).toBe(1n);
    const waiting = [waitForJob(dave, 0n, { timeoutMs: 30_000 }), waitForJob(dave, 1n, { timeoutMs: 30_000 })];
    // The job records the model's circuit: the consumer never names one.
    expect(await getJob(alice, 0n)).toMatchObject({
      id: 0n,
      consumer: dave.address,
      reward: 1_000_000_000_000n,
      deadline,
      status: 'Open',
      kind: { type: 'Inference', modelId: 0n, circuitId, inputHash, inputCid: 'bafy-input', outputs: { type: 'Committed', resultKey }, worker: null },
    });
    expect((await getJob(alice, 1n))?.kind).toMatchObject({ type: 'Inference', circuitId, outputs: { type: 'Public' } });
    const call = submitInferenceJobCall(dave, { modelId: 0n, inputHash, inputCid: 'x', reward: 1n, deadline });
    expect(call.method.meta.args.map((a) => a.name.toString())).toEqual(['modelId', 'inputHash', 'inputCid', 'outputs', 'reward', 'deadline']);
    // A result key nothing secret could be sealed to; a model without a circuit.
    await rejectsWith(submitInferenceJob(dave, { modelId: 0n, inputHash, inputCid: 'x', outputs: { resultKey: hash(0) }, reward: 1n, deadline }), 'ComputeJobs.WeakEncryptionKey');
    const plain = await registerModel(eve, { digest: hash(0x70), ciphertextDigest: hash(0x71), cid: 'bafy-plain', royalty: 0 });
    expect((await getModel(alice, plain.modelId))?.circuitId).toBeNull();
    await rejectsWith(submitInferenceJob(dave, { modelId: plain.modelId, inputHash, inputCid: 'x', reward: 1n, deadline }), 'ComputeJobs.ModelNotZkCapable');

    await claimJob(bob, { jobId: 0n });
    await claimJob(bob, { jobId: 1n });
    expect((await getJob(alice, 0n))?.status).toBe('Claimed');

    const proofFor = (jobId: string, reveal: boolean) => bytesOf(fixture.proofs.find((p) => p.job_id === jobId && p.reveal === reveal)!.proof_hex);
    const output = fixture.expected_outputs_field.map((v) => BigInt(v));
    const outputCommitment = BigInt(fixture.out_commitment);

    // Public outputs (job 1). Anything but the proven outputs, commitment and job fails: typed error, nothing paid.
    const pub = { jobId: 1n, output, outputCommitment, proof: proofFor('1', true) };
    await rejectsWith(submitInferenceResult(bob, { ...pub, output: [output[0]!, 40n] }), 'ComputeJobs.InvalidProof');
    await rejectsWith(submitInferenceResult(bob, { ...pub, outputCommitment: outputCommitment + 1n }), 'ComputeJobs.InvalidProof');
    await rejectsWith(submitInferenceResult(bob, { ...pub, proof: proofFor('0', true) }), 'ComputeJobs.InvalidProof'); // job 0's proof
    await rejectsWith(submitInferenceResult(bob, { ...pub, output: [output[0]!] }), 'ComputeJobs.OutputCountMismatch');
    await rejectsWith(submitInferenceResult(bob, { ...pub, sealedOutputCid: 'bafy-sealed' }), 'ComputeJobs.SealedOutputMismatch');
    const result = await submitInferenceResult(bob, pub);
    expect(result.reward).toBe(2_000_000_000_000n);
    expect(result.royalty).toBe(200_000_000_000n); // 10 % royalty

    // Committed outputs (job 0): no outputs on chain, the sealed outputs' CID instead, a proof with reveal = 0.
    const hidden = { jobId: 0n, output: [], outputCommitment, sealedOutputCid: 'bafy-sealed-output', proof: proofFor('0', false) };
    await rejectsWith(submitInferenceResult(bob, { ...hidden, output }), 'ComputeJobs.OutputCountMismatch');
    const { sealedOutputCid: _none, ...unsealed } = hidden;
    await rejectsWith(submitInferenceResult(bob, unsealed), 'ComputeJobs.SealedOutputMismatch');
    await rejectsWith(submitInferenceResult(bob, { ...hidden, proof: proofFor('0', true) }), 'ComputeJobs.InvalidProof'); // a revealing proof
    await rejectsWith(submitInferenceResult(bob, { ...hidden, outputCommitment: outputCommitment + 1n }), 'ComputeJobs.InvalidProof');
    const sealed = await submitInferenceResult(bob, hidden);
    expect(sealed.reward).toBe(1_000_000_000_000n);
    expect(sealed.royalty).toBe(100_000_000_000n);

    for (const job of await Promise.all(waiting)) expect(job.status).toBe('Completed');
    expect(await getInferenceOutputs(alice, 1n)).toEqual({ output: fixture.expected_outputs_field.map(field), outputCommitment: field(fixture.out_commitment), sealedOutputCid: null });
    expect(await getInferenceOutputs(alice, 0n)).toEqual({ output: [], outputCommitment: field(fixture.out_commitment), sealedOutputCid: 'bafy-sealed-output' });
    expect(await getInferenceOutputs(alice, 99n)).toBeNull();
  });

  test('aggregation job: candidacies → drawn committee → contribute → reject → close → review → partials → prune', async () => {
    const limits = getJobLimits(alice);
    expect(limits).toMatchObject({ minCommitteeSize: 2, minContributors: 3 });
    const now = await head();
    const contributionDeadline = now + limits.candidacyPeriod + 40;
    const params = {
      participants: [alice.address!, eve.address!, dave.address!, pairs['Bob']!.address],
      committeeSize: 2,
      vectorLen: 4,
      reward: 2_000_000_000_001n,
      contributionDeadline,
      deadline: contributionDeadline + 1 + limits.reviewPeriod + limits.minDeliveryPeriod,
      resultKey: `0x${'42'.repeat(32)}` as Hex,
    };
    await rejectsWith(submitAggregationJob(dave, { ...params, committeeSize: 1 }), 'ComputeJobs.InvalidCommitteeSize');
    await rejectsWith(submitAggregationJob(dave, { ...params, participants: params.participants.slice(0, 2) }), 'ComputeJobs.TooFewParticipants');
    await rejectsWith(submitAggregationJob(dave, { ...params, resultKey: hash(0) }), 'ComputeJobs.WeakEncryptionKey');
    const { jobId } = await submitAggregationJob(dave, params);
    expect((await claimJob(bob, { jobId })).committeeFormed).toBe(false);
    expect((await claimJob(charlie, { jobId })).committeeFormed).toBe(false);
    const applied = await getJob(alice, jobId);
    expect(applied?.kind).toMatchObject({ type: 'Aggregation', candidates: [bob.address, charlie.address], committee: [], reviewEnd: null, resultKey: params.resultKey });
    const candidacyEnd = (applied?.kind as { candidacyEnd: number }).candidacyEnd;
    await rejectsWith(formCommittee(eve, { jobId }), 'ComputeJobs.TooEarly');

    await devnet.newBlock(candidacyEnd + 2 - (await head()));
    await waitForBlock(alice, candidacyEnd + 2, { timeoutMs: 10_000 });
    const { committee } = await formCommittee(eve, { jobId });
    expect([...committee].sort()).toEqual([bob.address, charlie.address].sort());

    await contribute(alice, { jobId, manifestCid: 'bafy-manifest-alice', manifestDigest: hash(0x11) });
    await contribute(eve, { jobId, manifestCid: 'bafy-manifest-eve', manifestDigest: hash(0x12) });
    await contribute(dave, { jobId, manifestCid: 'bafy-manifest-dave', manifestDigest: hash(0x13) });
    await contribute(bob, { jobId, manifestCid: 'bafy-manifest-bob', manifestDigest: hash(0x14) });
    expect(await getContribution(alice, jobId, eve.address!)).toMatchObject({ manifestCid: 'bafy-manifest-eve', manifestDigest: hash(0x12), rejectedBy: null });
    await reportContribution(charlie, { jobId, participant: eve.address! });
    expect((await getContribution(alice, jobId, eve.address!))?.rejectedBy).toBe(charlie.address);
    await rejectsWith(reportContribution(charlie, { jobId, participant: eve.address! }), 'ComputeJobs.AlreadyRejected');

    const closed = await closeContributions(dave, { jobId });
    expect(closed.contributors).toBe(3);
    await rejectsWith(submitPartial(bob, { jobId, partialCid: 'bafy-partial-b', partialDigest: hash(0x21) }), 'ComputeJobs.ReviewNotOver');
    await devnet.newBlock(closed.reviewEnd + 1 - (await head()));
    expect((await submitPartial(bob, { jobId, partialCid: 'bafy-partial-b', partialDigest: hash(0x21) })).completed).toBe(false);
    expect((await submitPartial(charlie, { jobId, partialCid: 'bafy-partial-c', partialDigest: hash(0x22) })).completed).toBe(true);
    const done = await waitForJob(alice, jobId, { until: 'finalized-completed', timeoutMs: 30_000 });
    expect(done.finishedAt).toBeGreaterThan(0);
    expect(done.deposit).toBe(limits.jobDeposit);

    await rejectsWith(pruneJob(eve, { jobId }), 'ComputeJobs.RetentionNotOver');
    await pruneJob(dave, { jobId });
    expect(await getJob(alice, jobId)).toBeNull();
    expect(await getContribution(alice, jobId, alice.address!)).toBeNull();
  });

  test('handBackJob returns an inference claim without a slash; the consumer is refunded', async () => {
    const { jobId } = await submitInferenceJob(dave, {
      modelId: 0n,
      inputHash: field(fixture.input_hash),
      inputCid: 'bafy-unreachable',
      reward: 3_000n,
      deadline: (await head()) + 50,
    });
    await claimJob(bob, { jobId });
    const bondBefore = (await getWorker(alice, bob.address!))?.bond;
    const waiting = waitForJob(dave, jobId, { timeoutMs: 30_000 });
    await rejectsWith(handBackJob(charlie, { jobId, reason: 'InputUnavailable' }), 'ComputeJobs.NotClaimant');
    await handBackJob(bob, { jobId, reason: 'InputUnavailable' });
    await expect(waiting).rejects.toMatchObject({ code: 'Job.Failed' });
    expect((await getJob(alice, jobId))?.status).toBe('Failed');
    expect((await getWorker(alice, bob.address!))?.bond).toBe(bondBefore);
    expect(() => handBackJobCall(bob, { jobId, reason: 'Bogus' as never })).toThrow(expect.objectContaining({ code: 'Client.InvalidParams' }));
  });

  test('expireJob after the deadline refunds the consumer; deregisterWorker releases the bond', async () => {
    const deadline = (await head()) + 3;
    const { jobId } = await submitInferenceJob(dave, {
      modelId: 0n,
      inputHash: field(fixture.input_hash),
      inputCid: 'bafy-input-2',
      reward: 5_000n,
      deadline,
    });
    await rejectsWith(expireJob(eve, { jobId }), 'ComputeJobs.DeadlineNotReached');
    const expired = waitForJob(dave, jobId, { timeoutMs: 30_000 });
    await devnet.newBlock(4);
    const receipt = await expireJob(eve, { jobId });
    expect(receipt).toMatchObject({ outcome: 'expired', slashed: [] });
    await expect(expired).rejects.toMatchObject({ code: 'Job.Expired' });
    expect((await getJob(alice, jobId))?.status).toBe('Expired');

    const worker = await getWorker(alice, charlie.address!);
    const { bond } = await deregisterWorker(charlie);
    expect(bond).toBe(worker?.bond);
    expect(await getWorker(alice, charlie.address!)).toBeNull();
  });
});

describe('Escrow actions', () => {
  test('create / getEscrow / release', async () => {
    const deadline = (await head()) + 50;
    const { escrowId } = await createEscrow(alice, { payee: bob.address!, amount: 7_000_000n, deadline, arbiter: charlie.address! });
    expect(await getEscrow(alice, escrowId)).toMatchObject({
      id: escrowId,
      payer: alice.address,
      payee: bob.address,
      amount: 7_000_000n,
      deadline,
      arbiter: charlie.address,
      status: 'Open',
      managed: false,
    });
    expect((await getEscrow(alice, escrowId))?.deposit).toBeGreaterThan(0n);
    await rejectsWith(createEscrow(alice, { payee: bob.address!, amount: 1_000n, deadline, arbiter: bob.address! }), 'Escrow.InvalidArbiter');
    await rejectsWith(releaseEscrow(bob, { escrowId }), 'Escrow.NotPayer');
    const released = await releaseEscrow(alice, { escrowId });
    expect(released.events.find((e) => e.method === 'EscrowReleased')?.data).toEqual({ escrowId, payee: bob.address, amount: 7_000_000n });
    expect(await getEscrow(alice, escrowId)).toBeNull();
  });

  test('dispute → resolve by the arbiter; refund by the payee', async () => {
    const deadline = (await head()) + 50;
    const { escrowId } = await createEscrow(alice, { payee: bob.address!, amount: 1_000n, deadline, arbiter: charlie.address! });
    await disputeEscrow(bob, { escrowId });
    expect((await getEscrow(alice, escrowId))?.status).toBe('Disputed');
    await rejectsWith(resolveEscrow(bob, { escrowId, payeeShare: 250_000_000 }), 'Escrow.NotArbiter');
    const resolved = await resolveEscrow(charlie, { escrowId, payeeShare: 250_000_000 });
    expect([resolved.toPayee, resolved.toPayer]).toEqual([250n, 750n]);

    const second = await createEscrow(alice, { payee: bob.address!, amount: 500n, deadline });
    const refunded = await refundEscrow(bob, { escrowId: second.escrowId }, { wait: 'finalized' });
    const finalized = await alice.api.rpc.chain.getHeader(await alice.api.rpc.chain.getFinalizedHead());
    expect(finalized.number.toNumber()).toBeGreaterThanOrEqual(refunded.blockNumber);
    expect(refunded.events.find((e) => e.method === 'EscrowRefunded')?.data).toEqual({
      escrowId: second.escrowId,
      payer: alice.address,
      amount: 500n,
    });
  });
});

describe('fees and batches', () => {
  test('estimateFee before submitting is within the fee actually paid', async () => {
    const params = { ...model0, digest: hash(0xc0), ciphertextDigest: hash(0xc1) };
    const estimate = await estimateFee(alice, registerModelCall(alice, params));
    const receipt = await registerModel(alice, params);
    expect(estimate).toBeGreaterThan(0n);
    // query_info's partial fee is the pre-dispatch fee; with no weight refund it is exactly what is paid
    expect(receipt.fee).toBeLessThanOrEqual(estimate);
    expect(receipt.fee * 100n).toBeGreaterThanOrEqual(estimate * 99n);
  });

  test('batch: several calls atomically, with the events of all of them', async () => {
    const calls = [0xd0, 0xd1, 0xd2].map((n) => registerModelCall(alice, { ...model0, digest: hash(n), ciphertextDigest: hash(n + 0x100) }));
    const receipt = await batch(alice, calls);
    const ids = receipt.events.filter((e) => e.method === 'ModelRegistered').map((e) => e.data['modelId']);
    expect(ids).toHaveLength(3);
    expect(receipt.events.some((e) => e.section === 'Utility' && e.method === 'BatchCompleted')).toBe(true);
    for (const [i, n] of [0xd0, 0xd1, 0xd2].entries()) expect((await getModelByDigest(alice, hash(n)))?.id).toBe(ids[i]);
  });

  test('a failing batch reverts every call and reports which call failed', async () => {
    const fresh = { ...model0, digest: hash(0xe0), ciphertextDigest: hash(0xe1) };
    const calls = [
      registerModelCall(alice, fresh),
      grantAccessCall(alice, { modelId: 0n, grantee: eve.address!, envelope: new Uint8Array([1, 2, 3]) }),
      registerModelCall(alice, model0), // duplicate digest
      registerModelCall(alice, { ...model0, digest: hash(0xe2) }),
    ];
    const error = await rejectsWith<import('@modelproof/sdk').DispatchError>(batch(alice, calls), 'ModelRegistry.DuplicateDigest');
    expect(error.callIndex).toBe(2);
    expect(error.message).toMatch(/call #2 of the batch/);
    expect(await getModelByDigest(alice, fresh.digest)).toBeNull();
    expect(await getGrant(alice, 0n, eve.address!)).toBeNull();
  });
});
