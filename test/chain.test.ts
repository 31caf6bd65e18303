// End-to-end tests of the Modelproof runtime on a real devnet (chopsticks running the committed
// runtime-spec/ wasm), with plain @polkadot/api. The inference test proves with snarkjs at test
// time on the test circuit circuits/build/fixture_2x2/ (the chain's public-signal interface).
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
import type { SubmittableExtrinsic } from '@polkadot/api/types';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { DispatchError, EventRecord } from '@polkadot/types/interfaces';
import { stringToU8a, u8aToHex } from '@polkadot/util';
import { blake2AsHex, cryptoWaitReady, randomAsHex } from '@polkadot/util-crypto';
// @ts-expect-error snarkjs ships no type declarations
import * as snarkjs from 'snarkjs';

import '@modelproof/types';
import { type Devnet, startDevnet } from '@modelproof/devnet';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';

// @ts-expect-error plain ESM helper without declarations
import { encodeProof, fieldToBytes32, R } from '../circuits/lib/encoding.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const circuitDir = join(root, 'circuits', 'build', 'fixture_2x2');

interface Fixture {
  plaintext: { W: string[][]; b: string[]; x: string[]; in_salt: string; out_salt: string; expected_outputs: string[] };
  out_commitment: string;
  input_hash: string;
}

/** What one signed extrinsic did, from its own events. */
interface TxOutcome {
  events: EventRecord[];
  /** Fee paid (TransactionPayment.TransactionFeePaid actual_fee + tip). */
  fee: bigint;
  /** `Pallet.Error` for a failed dispatch, undefined when it succeeded. */
  error?: string;
}

let devnet: Devnet;
let provider: WsProvider;
let api: ApiPromise;
let alice: KeyringPair;
let bob: KeyringPair;
let charlie: KeyringPair;
let dave: KeyringPair;
let eve: KeyringPair;

beforeAll(async () => {
  devnet = await startDevnet();
  provider = new WsProvider(devnet.endpoint);
  api = await ApiPromise.create({ provider, noInitWarn: true });
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  [alice, bob, charlie, dave, eve] = ['//Alice', '//Bob', '//Charlie', '//Dave', '//Eve'].map((uri) => keyring.addFromUri(uri)) as [
    KeyringPair,
    KeyringPair,
    KeyringPair,
    KeyringPair,
    KeyringPair,
  ];
});

afterAll(async () => {
  await api?.disconnect();
  await devnet?.stop();
  await (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128?.terminate();
});

function describeError(error: DispatchError): string {
  if (error.isModule) {
    const meta = api.registry.findMetaError(error.asModule);
    return `${meta.section}.${meta.name}`;
  }
  return error.toString();
}

/** Signs and submits; resolves when the extrinsic is in a block (instant block mode). */
function submit(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<TxOutcome> {
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let done = false;
    // nonce -1: ask the runtime (AccountNonceApi) afresh; the default reads a cached account
    // subscription that can lag one block behind on a chain this fast.
    tx.signAndSend(signer, { nonce: -1 }, ({ status, events, dispatchError }) => {
      if (done || !status.isInBlock) return;
      done = true;
      unsubscribe?.();
      const feeEvent = events.find(({ event }) => api.events.transactionPayment.TransactionFeePaid.is(event));
      if (!feeEvent) {
        reject(new Error('no TransactionFeePaid event'));
        return;
      }
      const [, actualFee, tip] = feeEvent.event.data as unknown as [unknown, { toBigInt(): bigint }, { toBigInt(): bigint }];
      resolve({
        events,
        fee: actualFee.toBigInt() + tip.toBigInt(),
        error: dispatchError ? describeError(dispatchError) : undefined,
      });
    })
      .then((unsub) => {
        unsubscribe = unsub;
        if (done) unsub();
      })
      .catch(reject);
  });
}

/** Like {@link submit} but fails the test if the dispatch failed. */
async function submitOk(tx: SubmittableExtrinsic<'promise'>, signer: KeyringPair): Promise<TxOutcome> {
  const outcome = await submit(tx, signer);
  if (outcome.error) throw new Error(`${tx.method.section}.${tx.method.method} failed: ${outcome.error}`);
  return outcome;
}

/** The data of the first `section.method` event, as JSON. */
function eventData(outcome: TxOutcome, section: string, method: string): Record<string, unknown> {
  const record = outcome.events.find(({ event }) => event.section === section && event.method === method);
  if (!record) throw new Error(`no ${section}.${method} event`);
  const { data } = record.event;
  const names = data.names ?? [];
  return Object.fromEntries(names.map((name, i) => [name, data[i]?.toJSON()]));
}

async function free(who: KeyringPair): Promise<bigint> {
  return (await api.query.system.account(who.address)).data.free.toBigInt();
}

/** Amount held on `who` for `pallet`'s hold reason `reason` (0 when none). */
async function held(who: KeyringPair, pallet: string, reason: string): Promise<bigint> {
  const holds = (await api.query.balances.holds(who.address)).toJSON() as { id: Record<string, string>; amount: string | number }[];
  const entry = holds.find((h) => {
    const key = Object.keys(h.id)[0];
    return key?.toLowerCase() === pallet.toLowerCase() && h.id[key] === reason;
  });
  return entry ? BigInt(entry.amount) : 0n;
}

async function head(): Promise<number> {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

/** Builds `count` empty blocks with chopsticks' dev_newBlock. */
async function newBlocks(count: number): Promise<void> {
  await provider.send('dev_newBlock', [{ count }]);
}

const asBigInt = (value: unknown): bigint => BigInt(value as string | number);

describe('ModelRegistry', () => {
  it('registers a model and stores its fields', async () => {
    const digest = randomAsHex(32);
    const ciphertextDigest = randomAsHex(32);
    const cid = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi';
    const royalty = 25_000; // Permill: 2.5 %
    const deposit = BigInt(api.consts.modelRegistry.modelDeposit.toString());
    const heldBefore = await held(alice, 'ModelRegistry', 'ModelDeposit');

    const outcome = await submitOk(
      api.tx.modelRegistry.registerModel(digest, ciphertextDigest, u8aToHex(stringToU8a(cid)), null, royalty),
      alice,
    );
    const registered = eventData(outcome, 'modelRegistry', 'ModelRegistered');
    expect(registered.owner).toBe(alice.address);
    expect(registered.digest).toBe(digest);
    expect(registered.cid).toBe(u8aToHex(stringToU8a(cid)));
    const modelId = Number(registered.modelId);

    const stored = (await api.query.modelRegistry.models(modelId)).toJSON() as Record<string, unknown>;
    expect(stored).toMatchObject({
      owner: alice.address,
      digest,
      ciphertextDigest,
      cid: u8aToHex(stringToU8a(cid)),
      circuit: null,
      royalty,
      version: 1,
      previous: null,
      status: 'Active',
    });
    expect((await api.query.modelRegistry.modelByDigest(digest, alice.address)).toJSON()).toBe(modelId);
    expect(await held(alice, 'ModelRegistry', 'ModelDeposit')).toBe(heldBefore + deposit);
  });

  it('registers a digest once per account: a copy by another account does not keep the owner out', async () => {
    const digest = randomAsHex(32);
    const cid = u8aToHex(stringToU8a('bafy-duplicate-test'));
    // A front-runner registers the digest first…
    await submitOk(api.tx.modelRegistry.registerModel(digest, randomAsHex(32), cid, null, 0), bob);
    // …and the owner still can, once.
    await submitOk(api.tx.modelRegistry.registerModel(digest, randomAsHex(32), cid, null, 0), alice);
    const nextId = (await api.query.modelRegistry.nextModelId()).toJSON();
    const outcome = await submit(api.tx.modelRegistry.registerModel(digest, randomAsHex(32), cid, null, 0), alice);
    expect(outcome.error).toBe('modelRegistry.DuplicateDigest');
    expect((await api.query.modelRegistry.nextModelId()).toJSON()).toBe(nextId);
    // Both registrations are queryable, first one first by model id.
    const entries = await api.query.modelRegistry.modelByDigest.entries(digest);
    expect(entries.map(([key]) => key.args[1]!.toString()).sort()).toEqual([alice.address, bob.address].sort());
  });
});

describe('Escrow', () => {
  const amount = 7_000_000_000_000n;

  it('create then release pays the payee and removes the hold', async () => {
    const payeeBefore = await free(charlie);
    const payerFreeBefore = await free(alice);
    const payerHeldBefore = await held(alice, 'Escrow', 'Escrow');

    const created = await submitOk(api.tx.escrow.create(charlie.address, amount, (await head()) + 100, null), alice);
    const { escrowId } = eventData(created, 'escrow', 'EscrowCreated');
    expect(await held(alice, 'Escrow', 'Escrow')).toBe(payerHeldBefore + amount);

    const released = await submitOk(api.tx.escrow.release(escrowId as number), alice);
    expect(eventData(released, 'escrow', 'EscrowReleased')).toMatchObject({ payee: charlie.address });

    expect(await free(charlie)).toBe(payeeBefore + amount);
    expect(await held(alice, 'Escrow', 'Escrow')).toBe(payerHeldBefore);
    expect(await free(alice)).toBe(payerFreeBefore - amount - created.fee - released.fee);
    expect((await api.query.escrow.escrows(escrowId as number)).isNone).toBe(true);
  });

  it('create then refund after the deadline returns the funds to the payer', async () => {
    const deadline = (await head()) + 3;
    const payerFreeBefore = await free(dave);
    const created = await submitOk(api.tx.escrow.create(eve.address, amount, deadline, null), dave);
    const { escrowId } = eventData(created, 'escrow', 'EscrowCreated');
    expect(await held(dave, 'Escrow', 'Escrow')).toBe(amount);

    // Before the deadline a third party may not refund.
    const early = await submit(api.tx.escrow.refund(escrowId as number), bob);
    expect(early.error).toBe('escrow.DeadlineNotReached');

    await newBlocks(deadline - (await head()) + 1);
    expect(await head()).toBeGreaterThan(deadline);

    const refunded = await submitOk(api.tx.escrow.refund(escrowId as number), bob);
    expect(eventData(refunded, 'escrow', 'EscrowRefunded')).toMatchObject({ payer: dave.address });
    expect(await held(dave, 'Escrow', 'Escrow')).toBe(0n);
    expect(await free(dave)).toBe(payerFreeBefore - created.fee);
  });
});

describe('ComputeJobs: verifiable inference with a real Groth16 proof', () => {
  const reward = 50_000_000_000_000n;
  const royaltyPermill = 100_000; // 10 %
  let fixture: Fixture;
  let circuitId: string;
  let modelId: number;
  let owner: KeyringPair;
  let worker: KeyringPair;
  let consumer: KeyringPair;

  const field = (v: string): string => {
    const n = BigInt(v);
    return (n < 0n ? (R as bigint) + n : n).toString();
  };
  const h256 = (decimal: string): string => u8aToHex(fieldToBytes32(decimal) as Uint8Array);

  async function prove(jobId: number, reveal = true): Promise<{ output: string[]; commitment: string; proof: string }> {
    const { x, in_salt, out_salt } = fixture.plaintext;
    const input = {
      x: x.map(field),
      in_salt,
      out_salt,
      job_id: String(jobId),
      input_hash: fixture.input_hash,
      reveal: reveal ? '1' : '0',
    };
    const { proof, publicSignals } = (await snarkjs.groth16.fullProve(
      input,
      join(circuitDir, 'fixture_2x2.wasm'),
      join(circuitDir, 'fixture_2x2.zkey'),
    )) as { proof: unknown; publicSignals: string[] };
    // [y0, y1, out_commitment, job_id, input_hash, reveal]
    expect(publicSignals.slice(2)).toEqual([fixture.out_commitment, String(jobId), fixture.input_hash, reveal ? '1' : '0']);
    return {
      output: reveal ? publicSignals.slice(0, 2).map(h256) : [],
      commitment: h256(fixture.out_commitment),
      proof: u8aToHex(encodeProof(proof) as Uint8Array),
    };
  }

  async function submitJob(outputs: unknown = 'Public'): Promise<number> {
    const outcome = await submitOk(
      api.tx.computeJobs.submitInferenceJob(
        modelId,
        h256(fixture.input_hash),
        u8aToHex(stringToU8a('bafy-input')),
        outputs as 'Public',
        reward,
        (await head()) + 50,
      ),
      consumer,
    );
    const jobId = Number(eventData(outcome, 'computeJobs', 'JobSubmitted').jobId);
    await submitOk(api.tx.computeJobs.claimJob(jobId), worker);
    return jobId;
  }

  beforeAll(async () => {
    fixture = JSON.parse(await readFile(join(circuitDir, 'fixture.json'), 'utf8')) as Fixture;
    owner = bob;
    worker = charlie;
    consumer = dave;

    const vk = new Uint8Array(await readFile(join(circuitDir, 'vk.bin')));
    const registered = await submitOk(api.tx.computeJobs.registerCircuit(u8aToHex(vk)), alice);
    const circuit = eventData(registered, 'computeJobs', 'CircuitRegistered');
    circuitId = circuit.circuitId as string;
    expect(circuitId).toBe(blake2AsHex(vk, 256));
    expect(circuit.nPublic).toBe(6);

    // A model can only be bound to a registered circuit.
    const unbound = await submit(
      api.tx.modelRegistry.registerModel(randomAsHex(32), randomAsHex(32), u8aToHex(stringToU8a('bafy-fixture')), randomAsHex(32), royaltyPermill),
      owner,
    );
    expect(unbound.error).toBe('modelRegistry.UnknownCircuit');
    const model = await submitOk(
      api.tx.modelRegistry.registerModel(
        randomAsHex(32),
        randomAsHex(32),
        u8aToHex(stringToU8a('bafy-fixture')),
        circuitId,
        royaltyPermill,
      ),
      owner,
    );
    modelId = Number(eventData(model, 'modelRegistry', 'ModelRegistered').modelId);

    // A real X25519 public key: the runtime refuses small-order and non-canonical ones.
    await submitOk(api.tx.computeJobs.registerWorker(u8aToHex(generateEncryptionKeyPair().publicKey)), worker);
    await submitOk(api.tx.modelRegistry.grantAccess(modelId, worker.address, randomAsHex(80)), owner);
  });

  it('pays the worker reward − royalty and the owner the royalty for a valid proof', async () => {
    const consumerHeldBefore = await held(consumer, 'Escrow', 'Escrow');
    const jobId = await submitJob();
    expect(await held(consumer, 'Escrow', 'Escrow')).toBe(consumerHeldBefore + reward);

    const { output, commitment, proof } = await prove(jobId);
    const workerBefore = await free(worker);
    const ownerBefore = await free(owner);
    const consumerFreeBefore = await free(consumer);

    const outcome = await submitOk(api.tx.computeJobs.submitInferenceResult(jobId, output, commitment, '0x', proof), worker);

    const royalty = (reward * BigInt(royaltyPermill)) / 1_000_000n;
    const completed = eventData(outcome, 'computeJobs', 'JobCompleted');
    expect(asBigInt(completed.reward)).toBe(reward);
    expect(asBigInt(completed.royalty)).toBe(royalty);
    expect(eventData(outcome, 'computeJobs', 'InferenceResultAccepted').output).toEqual(output);

    expect(await free(worker)).toBe(workerBefore + reward - royalty - outcome.fee);
    expect(await free(owner)).toBe(ownerBefore + royalty);
    expect(await free(consumer)).toBe(consumerFreeBefore);
    expect(await held(consumer, 'Escrow', 'Escrow')).toBe(consumerHeldBefore);

    expect((await api.query.computeJobs.inferenceOutputs(jobId)).toJSON()).toEqual({ output, outputCommitment: commitment, sealedOutputCid: '0x' });
    expect((await api.query.computeJobs.jobs(jobId)).toJSON()).toMatchObject({ status: 'Completed' });
    // The outputs are the model's: y = W·x + b on the fixture.
    expect(output).toEqual(fixture.plaintext.expected_outputs.map((v) => h256(field(v))));
  });

  it('rejects an invalid proof with InvalidProof and pays nothing', async () => {
    const jobId = await submitJob();
    const consumerHeld = await held(consumer, 'Escrow', 'Escrow');
    const ownerBefore = await free(owner);

    // A valid proof, but for another job id: the chain's public signals differ, so it fails.
    const replayed = await prove(jobId + 1);
    const workerBefore = await free(worker);
    const replay = await submit(api.tx.computeJobs.submitInferenceResult(jobId, replayed.output, replayed.commitment, '0x', replayed.proof), worker);
    expect(replay.error).toBe('computeJobs.InvalidProof');
    expect(await free(worker)).toBe(workerBefore - replay.fee);

    // Garbage bytes are an error too, never a panic.
    const garbage = u8aToHex(new Uint8Array(256).fill(7));
    const workerBeforeGarbage = await free(worker);
    const bad = await submit(api.tx.computeJobs.submitInferenceResult(jobId, replayed.output, replayed.commitment, '0x', garbage), worker);
    expect(bad.error).toBe('computeJobs.InvalidProof');
    expect(await free(worker)).toBe(workerBeforeGarbage - bad.fee);

    expect(await free(owner)).toBe(ownerBefore);
    expect(await held(consumer, 'Escrow', 'Escrow')).toBe(consumerHeld);
    expect((await api.query.computeJobs.jobs(jobId)).toJSON()).toMatchObject({ status: 'Claimed' });
    expect((await api.query.computeJobs.inferenceOutputs(jobId)).isNone).toBe(true);
  });

  it('committed outputs: only the commitment is public and stored, with the sealed outputs\' CID', async () => {
    const resultKey = u8aToHex(generateEncryptionKeyPair().publicKey);
    const jobId = await submitJob({ Committed: { result_key: resultKey } });
    const { commitment, proof } = await prove(jobId, false);
    const revealing = await prove(jobId, true);
    const sealedCid = u8aToHex(stringToU8a('bafy-sealed-outputs'));
    // Publishing the outputs of a committed job is refused, so is a proof that reveals them.
    const leaked = await submit(api.tx.computeJobs.submitInferenceResult(jobId, revealing.output, commitment, sealedCid, revealing.proof), worker);
    expect(leaked.error).toBe('computeJobs.OutputCountMismatch');
    const revealed = await submit(api.tx.computeJobs.submitInferenceResult(jobId, [], commitment, sealedCid, revealing.proof), worker);
    expect(revealed.error).toBe('computeJobs.InvalidProof');
    const noSealed = await submit(api.tx.computeJobs.submitInferenceResult(jobId, [], commitment, '0x', proof), worker);
    expect(noSealed.error).toBe('computeJobs.SealedOutputMismatch');

    const outcome = await submitOk(api.tx.computeJobs.submitInferenceResult(jobId, [], commitment, sealedCid, proof), worker);
    expect(eventData(outcome, 'computeJobs', 'InferenceResultAccepted')).toMatchObject({ output: [], outputCommitment: commitment });
    expect((await api.query.computeJobs.inferenceOutputs(jobId)).toJSON()).toEqual({ output: [], outputCommitment: commitment, sealedOutputCid: sealedCid });
    // The job kept the consumer's result key; nothing of the outputs is in the job's storage.
    expect((await api.query.computeJobs.jobs(jobId)).toJSON()).toMatchObject({ status: 'Completed', kind: { inference: { outputs: { committed: { resultKey } } } } });
  });
});
