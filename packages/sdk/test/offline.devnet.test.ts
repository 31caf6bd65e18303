// A transaction built and signed with @modelproof/sdk/offline only, submitted to a real devnet
// (chopsticks running the committed runtime): chain data is fetched with plain @polkadot/api, the
// building and signing use nothing but the offline entry.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startDevnet, type Devnet } from '@modelproof/devnet';
import {
  buildCall,
  buildUnsignedTransaction,
  createSignedTransaction,
  createSigningPayload,
  decodeTransaction,
  getRegistry,
  signPayload,
  type Hex,
  type OfflineCall,
} from '@modelproof/sdk/offline';
import type {} from '@modelproof/types'; // types api.query.modelRegistry & co. (type-only)
import type { ApiPromise as ApiPromiseT } from '@polkadot/api';
import type { KeyringPair } from '@polkadot/keyring/types';

// The CommonJS builds: the same polkadot-js copies txwrapper-core (CommonJS-only) loads.
const require = createRequire(import.meta.url);
const { ApiPromise, WsProvider } = require('@polkadot/api') as typeof import('@polkadot/api');
const { Keyring } = require('@polkadot/keyring') as typeof import('@polkadot/keyring');
const { blake2AsHex, cryptoWaitReady } = require('@polkadot/util-crypto') as typeof import('@polkadot/util-crypto');

/** The test circuit's verifying key in the chain's encoding (runtime-spec/circuits/fixture_2x2). */
const fixtureVk = new Uint8Array(readFileSync(join(import.meta.dirname, '..', '..', '..', 'runtime-spec', 'circuits', 'fixture_2x2', 'vk.bin')));

const hex32 = (): Hex => `0x${randomBytes(32).toString('hex')}` as Hex;

let devnet: Devnet;
let api: ApiPromiseT;
let alice: KeyringPair;

beforeAll(async () => {
  await cryptoWaitReady();
  alice = new Keyring({ type: 'sr25519' }).addFromUri('//Alice');
  devnet = await startDevnet();
  api = await ApiPromise.create({ provider: new WsProvider(devnet.endpoint), noInitWarn: true });
});

afterAll(async () => {
  await api?.disconnect();
  await devnet?.stop();
});

/** What an online helper would fetch for the offline builder: nonce, checkpoint, versions. */
async function chainInfo(address: string) {
  const [nonce, finalized, version] = await Promise.all([
    api.rpc.system.accountNextIndex(address),
    api.rpc.chain.getFinalizedHead(),
    api.rpc.state.getRuntimeVersion(),
  ]);
  const header = await api.rpc.chain.getHeader(finalized);
  return {
    nonce: nonce.toNumber(),
    blockHash: finalized.toHex() as Hex,
    blockNumber: header.number.toNumber(),
    genesisHash: api.genesisHash.toHex() as Hex,
    specVersion: version.specVersion.toNumber(),
    transactionVersion: version.transactionVersion.toNumber(),
  };
}

/** Offline: unsigned → payload → signature → signed transaction. */
function signOffline(call: OfflineCall, info: Awaited<ReturnType<typeof chainInfo>>): { signed: Hex; unsigned: ReturnType<typeof buildUnsignedTransaction> } {
  const unsigned = buildUnsignedTransaction({ call, address: alice.address, ...info });
  const signature = signPayload(createSigningPayload(unsigned), alice);
  return { signed: createSignedTransaction(unsigned, signature), unsigned };
}

/** author_submitAndWatchExtrinsic until the transaction is in a block; rejects if it is dropped or invalid. */
function submitAndWaitInBlock(signed: Hex): Promise<Hex> {
  return new Promise((resolve, reject) => {
    let unsubscribe: (() => void) | undefined;
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      unsubscribe?.();
      fn();
    };
    api.rpc.author
      .submitAndWatchExtrinsic(signed as never, (status) => {
        if (status.isInBlock) finish(() => resolve(status.asInBlock.toHex() as Hex));
        else if (status.isInvalid || status.isDropped || status.isUsurped) finish(() => reject(new Error(`transaction ${status.type}`)));
      })
      .then((u) => {
        unsubscribe = u;
        if (settled) u();
      })
      .catch((error: unknown) => finish(() => reject(error)));
  });
}

describe('@modelproof/sdk/offline against a devnet', () => {
  test('the devnet runs the runtime the offline metadata describes', async () => {
    const version = await api.rpc.state.getRuntimeVersion();
    const reg = getRegistry();
    expect(version.specName.toString()).toBe(reg.specName);
    expect(version.specVersion.toNumber()).toBe(reg.specVersion);
    expect(version.transactionVersion.toNumber()).toBe(reg.transactionVersion);
    // The runtime's own metadata V15 (Option<OpaqueMetadata>) is byte for byte the shipped one.
    const v15 = (await api.rpc.state.call('Metadata_metadata_at_version', '0x0f000000')).toHex();
    expect(v15.startsWith('0x01')).toBe(true);
    expect(v15.endsWith(reg.metadataRpc.slice(2))).toBe(true);
    expect(v15.length - reg.metadataRpc.length).toBeLessThanOrEqual(10); // 0x01 + compact length
  });

  test('ModelRegistry.register_model built and signed offline is accepted, included and readable', async () => {
    const digest = hex32();
    const ciphertextDigest = hex32();
    const cid = `bafkrei${randomBytes(20).toString('hex')}`;
    const call = buildCall('ModelRegistry', 'register_model', { digest, ciphertextDigest, cid, circuit: null, royalty: 50_000 });
    const info = await chainInfo(alice.address);
    const { signed } = signOffline(call, info);

    // Decoding gives back what was built.
    const decoded = decodeTransaction(signed, { signed: true });
    expect(decoded).toMatchObject({
      pallet: 'ModelRegistry',
      call: 'register_model',
      args: call.args,
      address: alice.address,
      nonce: info.nonce,
      tip: 0n,
      era: { period: 64, phase: info.blockNumber % 64 },
    });

    const modelId = (await api.query.modelRegistry.nextModelId()).toBigInt();
    const inBlock = await submitAndWaitInBlock(signed);

    // The block holds exactly our bytes, and it succeeded.
    const block = await api.rpc.chain.getBlock(inBlock);
    const index = block.block.extrinsics.findIndex((x) => x.toHex() === signed);
    expect(index).toBeGreaterThanOrEqual(0);
    const events = await (await api.at(inBlock)).query.system.events();
    const ours = events
      .filter((e) => e.phase.isApplyExtrinsic && e.phase.asApplyExtrinsic.toNumber() === index)
      .map((e) => `${e.event.section}.${e.event.method}`);
    expect(ours).toContain('system.ExtrinsicSuccess');
    expect(ours).toContain('modelRegistry.ModelRegistered');

    // Read the model back.
    const model = await api.query.modelRegistry.models(modelId);
    expect(model.isSome).toBe(true);
    const stored = model.unwrap();
    expect(stored.owner.toString()).toBe(alice.address);
    expect(stored.digest.toHex()).toBe(digest);
    expect(stored.ciphertextDigest.toHex()).toBe(ciphertextDigest);
    expect(stored.royalty.toNumber()).toBe(50_000);
    expect(stored.circuit.isNone).toBe(true);
    expect(stored.version.toNumber()).toBe(1);
    expect(new TextDecoder().decode(stored.cid.toU8a(true))).toBe(cid);
    expect((await api.query.modelRegistry.modelByDigest(digest, alice.address)).unwrap().toBigInt()).toBe(modelId);

    // The transaction as the chain stored it decodes to what was built.
    expect(decodeTransaction(block.block.extrinsics[index]!.toHex() as Hex, { signed: true })).toEqual(decoded);
  });

  test('a compiled model published offline: Utility.batch_all(register_circuit, register_model bound to it) lands as one', async () => {
    const circuitId = blake2AsHex(fixtureVk, 256) as Hex;
    const digest = hex32();
    const cid = `bafkrei${randomBytes(20).toString('hex')}`;
    const registerModel = buildCall('ModelRegistry', 'register_model', { digest, ciphertextDigest: hex32(), cid, circuit: circuitId, royalty: 0 });
    const info = await chainInfo(alice.address);

    // Alone, the model names a circuit the chain does not know: dispatched, and failed.
    const alone = await submitAndWaitInBlock(signOffline(registerModel, info).signed);
    const failures = (await (await api.at(alone)).query.system.events()).map((e) => e.event).filter((e) => api.events.system.ExtrinsicFailed.is(e));
    expect(failures).toHaveLength(1);
    const failure = failures[0]!;
    if (!api.events.system.ExtrinsicFailed.is(failure)) throw new Error('unreachable');
    const meta = api.registry.findMetaError(failure.data.dispatchError.asModule);
    expect(`${meta.section}.${meta.name}`).toBe('modelRegistry.UnknownCircuit');
    expect((await api.query.modelRegistry.modelByDigest(digest, alice.address)).isNone).toBe(true);

    // In one batch with the circuit's registration, both land.
    const batch = buildCall('Utility', 'batch_all', { calls: [buildCall('ComputeJobs', 'register_circuit', { vk: fixtureVk }), registerModel] });
    const { signed } = signOffline(batch, await chainInfo(alice.address));
    expect(decodeTransaction(signed, { signed: true }).args).toEqual(batch.args);
    const modelId = (await api.query.modelRegistry.nextModelId()).toBigInt();
    const inBlock = await submitAndWaitInBlock(signed);
    const events = (await (await api.at(inBlock)).query.system.events()).map((e) => `${e.event.section}.${e.event.method}`);
    expect(events).toEqual(expect.arrayContaining(['computeJobs.CircuitRegistered', 'modelRegistry.ModelRegistered', 'utility.BatchCompleted', 'system.ExtrinsicSuccess']));
    expect((await api.query.computeJobs.circuits(circuitId)).unwrap().nPublic.toNumber()).toBe(6);
    const stored = (await api.query.modelRegistry.models(modelId)).unwrap();
    expect(stored.circuit.unwrap().toHex()).toBe(circuitId);
    expect((await api.query.modelRegistry.modelByDigest(digest, alice.address)).unwrap().toBigInt()).toBe(modelId);
  });

  test('an Escrow.create built offline lands too; a tampered signature is refused by the chain', async () => {
    const bob = new Keyring({ type: 'sr25519' }).addFromUri('//Bob');
    const info = await chainInfo(alice.address);
    const call = buildCall('Escrow', 'create', { payee: bob.address, amount: 10n ** 12n, deadline: info.blockNumber + 1000, arbiter: null });
    const { signed } = signOffline(call, info);

    // Flip one bit inside the signature.
    const signature = decodeTransaction(signed, { signed: true }).signature!;
    const at = signed.indexOf(signature.slice(4)); // after the 0x01 (sr25519) type byte
    expect(at).toBeGreaterThan(0);
    const flipped = (parseInt(signed.slice(at, at + 2), 16) ^ 0x01).toString(16).padStart(2, '0');
    const tampered = `${signed.slice(0, at)}${flipped}${signed.slice(at + 2)}` as Hex;
    expect(decodeTransaction(tampered, { signed: true }).signature).not.toBe(decodeTransaction(signed, { signed: true }).signature);
    await expect(api.rpc.author.submitExtrinsic(tampered as never)).rejects.toThrow(/1010|bad ?proof|signature/i);

    const escrowId = (await api.query.escrow.nextEscrowId()).toBigInt();
    await submitAndWaitInBlock(signed);
    const escrow = await api.query.escrow.escrows(escrowId);
    expect(escrow.isSome).toBe(true);
    expect(escrow.unwrap().payer.toString()).toBe(alice.address);
    expect(escrow.unwrap().payee.toString()).toBe(bob.address);
    expect(escrow.unwrap().amount.toBigInt()).toBe(10n ** 12n);
  });
});
