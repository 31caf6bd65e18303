import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import {
  buildCall,
  buildUnsignedTransaction,
  createSignedTransaction,
  createSigningPayload,
  decodeTransaction,
  getRegistry,
  metadataRpc,
  OfflineError,
  signPayload,
  type Hex,
  type OfflineCall,
} from '@modelproof/sdk/offline';
import type { KeyringPair } from '@polkadot/keyring/types';
import { isModelproofError } from '../src/errors.js';

// txwrapper-core is CommonJS-only and loads polkadot-js' CommonJS builds; the test takes the same
// copies (an ESM import would load a second copy of each package next to them).
const require = createRequire(import.meta.url);
const { Keyring } = require('@polkadot/keyring') as typeof import('@polkadot/keyring');
const { blake2AsU8a, cryptoWaitReady, signatureVerify } = require('@polkadot/util-crypto') as typeof import('@polkadot/util-crypto');

const repo = join(import.meta.dirname, '..', '..', '..');
const h = (byte: number): Hex => `0x${byte.toString(16).padStart(2, '0').repeat(32)}` as Hex;
const bytesToHex = (b: Uint8Array): string => `0x${Buffer.from(b).toString('hex')}`;
const hexToBytes = (x: string): Uint8Array => new Uint8Array(Buffer.from(x.slice(2), 'hex'));
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(OfflineError);
  expect(isModelproofError(thrown, code)).toBe(true);
  expect((thrown as OfflineError).code).toBe(code);
  if (message) expect((thrown as Error).message).toMatch(message);
}

let alice: KeyringPair;
let bob: KeyringPair;
beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

const chain = { genesisHash: h(0xaa), blockHash: h(0xbb), blockNumber: 1234 };

/** build → unsigned → payload → sign → signed, and every decode of the way. */
function roundTrip(call: OfflineCall, opts: { nonce?: number; tip?: bigint; eraPeriod?: number } = {}) {
  const unsigned = buildUnsignedTransaction({
    call,
    address: alice.address,
    nonce: opts.nonce ?? 7,
    tip: opts.tip ?? 0n,
    eraPeriod: opts.eraPeriod,
    ...chain,
    blockHash: opts.eraPeriod === 0 ? chain.genesisHash : chain.blockHash,
  });
  const payload = createSigningPayload(unsigned);
  const signature = signPayload(payload, alice);
  const signed = createSignedTransaction(unsigned, signature);
  return {
    unsigned,
    payload,
    signature,
    signed,
    fromSigned: decodeTransaction(signed, { signed: true }),
    fromPayload: decodeTransaction(payload, { signed: false }),
    fromUnsigned: decodeTransaction(unsigned, { signed: false }),
  };
}

/** The bytes a runtime checks the signature against: the payload, hashed when over 256 bytes. */
function signedMessage(payload: Hex): Uint8Array {
  // The hex payload encodes the call as Bytes (compact length prefix); the signed form does not.
  const raw = hexToBytes(payload);
  const bytes = raw.subarray(compactLen(raw));
  return bytes.length > 256 ? blake2AsU8a(bytes, 256) : bytes;
}
function compactLen(bytes: Uint8Array): number {
  const mode = bytes[0]! & 3;
  return mode === 0 ? 1 : mode === 1 ? 2 : mode === 2 ? 4 : 1 + (bytes[0]! >> 2) + 4;
}

describe('getRegistry', () => {
  test('uses the metadata from runtime-spec/ and derives versions and signed extensions from it', () => {
    const reg = getRegistry();
    expect(metadataRpc).toBe(bytesToHex(readFileSync(join(repo, 'runtime-spec', 'metadata.scale'))));
    expect(reg.metadataRpc).toBe(metadataRpc);
    expect(reg.specName).toBe('modelproof');
    expect(reg.specVersion).toBeGreaterThan(0);
    expect(reg.ss58Format).toBe(42);
    // The runtime's TxExtension tuple, in its order (CheckMortality is polkadot-js' CheckEra).
    expect(reg.signedExtensions).toEqual([
      'CheckNonZeroSender',
      'CheckSpecVersion',
      'CheckTxVersion',
      'CheckGenesis',
      'CheckMortality',
      'CheckNonce',
      'CheckWeight',
      'ChargeTransactionPayment',
    ]);
    expect(reg.registry.signedExtensions).toEqual(reg.signedExtensions);
    expect(getRegistry()).toBe(reg);
  });

  test('lists the calls of the three pallets with their argument names', () => {
    const reg = getRegistry();
    const names = (pallet: string) => reg.calls.filter((c) => c.pallet === pallet).map((c) => c.call);
    expect(names('ModelRegistry')).toEqual([
      'register_model',
      'publish_version',
      'grant_access',
      'revoke_access',
      'retire_model',
      'transfer_ownership',
    ]);
    expect(names('Escrow')).toEqual(['create', 'release', 'refund', 'dispute', 'resolve']);
    expect(names('ComputeJobs')).toEqual(
      expect.arrayContaining([
        'register_worker',
        'deregister_worker',
        'register_circuit',
        'submit_inference_job',
        'claim_job',
        'submit_inference_result',
        'submit_aggregation_job',
        'contribute',
        'close_contributions',
        'submit_partial',
        'expire_job',
      ]),
    );
    const register = reg.calls.find((c) => c.call === 'register_model')!;
    expect(register.palletIndex).toBe(20);
    expect(register.fields.map((f) => f.key)).toEqual(['digest', 'ciphertextDigest', 'cid', 'circuit', 'royalty']);
    // A job names its model, not a circuit; its outputs are public or committed to a result key.
    const job = reg.calls.find((c) => c.call === 'submit_inference_job')!;
    expect(job.fields.map((f) => f.key)).toEqual(['modelId', 'inputHash', 'inputCid', 'outputs', 'reward', 'deadline']);
    const result = reg.calls.find((c) => c.call === 'submit_inference_result')!;
    expect(result.fields.map((f) => f.key)).toEqual(['jobId', 'output', 'outputCommitment', 'sealedOutputCid', 'proof']);
  });

  test('rejects metadata it cannot decode and versions that are not the metadata’s', () => {
    expectCode(() => getRegistry({ metadataRpc: '0x1234' as Hex }), 'Offline.InvalidMetadata');
    expectCode(() => getRegistry({ metadataRpc: `0x6d657461${'ff'.repeat(40)}` as Hex }), 'Offline.InvalidMetadata');
    const { specVersion, transactionVersion } = getRegistry();
    expectCode(() => getRegistry({ specVersion: specVersion + 1 }), 'Offline.RuntimeMismatch', /specVersion/);
    expectCode(() => getRegistry({ transactionVersion: transactionVersion + 1 }), 'Offline.RuntimeMismatch');
    expectCode(() => getRegistry({ specName: 'polkadot' }), 'Offline.RuntimeMismatch');
    // The same metadata passed explicitly, with a custom SS58 prefix, is a separate registry.
    const custom = getRegistry({ metadataRpc, specVersion, chainProperties: { ss58Format: 0 } });
    expect(custom).not.toBe(getRegistry());
    expect(custom.ss58Format).toBe(0);
  });
});

describe('buildCall', () => {
  const registerArgs = {
    digest: h(0x11),
    ciphertextDigest: h(0x22),
    cid: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
    circuit: null,
    royalty: 50_000,
  };

  test('encodes ModelRegistry.register_model exactly as SCALE says', () => {
    const call = buildCall('ModelRegistry', 'register_model', registerArgs);
    const cid = utf8(registerArgs.cid);
    const royalty = new Uint8Array(4);
    new DataView(royalty.buffer).setUint32(0, 50_000, true);
    const expected = Buffer.concat([
      Buffer.from([20, 0]), // pallet 20, call 0
      Buffer.from(hexToBytes(h(0x11))),
      Buffer.from(hexToBytes(h(0x22))),
      Buffer.from([cid.length << 2]), // compact length (< 64)
      Buffer.from(cid),
      Buffer.from([0]), // Option::None
      Buffer.from(royalty),
    ]);
    expect(call.method).toBe(`0x${expected.toString('hex')}`);
    expect(call.pallet).toBe('ModelRegistry');
    expect(call.call).toBe('register_model');
    expect(call.args).toEqual({ ...registerArgs, cid });
  });

  test('matches pallet, call and argument names ignoring case and underscores', () => {
    const a = buildCall('ModelRegistry', 'register_model', registerArgs);
    const b = buildCall('modelRegistry', 'registerModel', {
      digest: h(0x11),
      ciphertext_digest: h(0x22),
      cid: registerArgs.cid,
      circuit: null,
      royalty: 50_000n,
    });
    expect(b.method).toBe(a.method);
  });

  test('unknown pallet or call: Offline.UnknownCall listing what exists', () => {
    expectCode(() => buildCall('ModelRegistery', 'register_model', registerArgs), 'Offline.UnknownCall', /pallets: .*ModelRegistry/);
    expectCode(() => buildCall('ModelRegistry', 'register', registerArgs), 'Offline.UnknownCall', /register_model/);
    expectCode(() => buildCall('Aura', 'anything', {}), 'Offline.UnknownCall'); // a pallet without calls
    expectCode(() => buildCall(7 as unknown as string, 'x', {}), 'Offline.UnknownCall');
  });

  test('bad arguments: Offline.InvalidArgs naming the argument', () => {
    const bad = (args: Record<string, unknown>, message: RegExp) =>
      expectCode(() => buildCall('ModelRegistry', 'register_model', args), 'Offline.InvalidArgs', message);
    const { circuit: _omit, ...withoutCircuit } = registerArgs;
    bad(withoutCircuit, /circuit.*missing.*null for None/);
    bad({ ...registerArgs, circuit: undefined }, /circuit.*missing/);
    bad({ ...registerArgs, owner: bob.address }, /no argument "owner"/);
    bad({ ...registerArgs, digest: '0x1234' }, /digest.*32 bytes/);
    bad({ ...registerArgs, digest: new Uint8Array(31) }, /digest.*32 bytes/);
    bad({ ...registerArgs, cid: { not: 'bytes' } }, /cid.*bytes/);
    bad({ ...registerArgs, cid: [1, 2, 300] }, /cid.*0…255/);
    bad({ ...registerArgs, royalty: -1 }, /royalty.*out of range/);
    bad({ ...registerArgs, royalty: 2 ** 32 }, /royalty.*out of range/);
    bad({ ...registerArgs, royalty: 1.5 }, /royalty.*not a safe integer/);
    bad({ ...registerArgs, royalty: 'half' }, /royalty/);
    bad({ ...registerArgs, circuit: 'xyz' }, /circuit.*32 bytes/);
    const job = (outputs: unknown) =>
      buildCall('ComputeJobs', 'submit_inference_job', { modelId: 1n, inputHash: h(0x01), inputCid: 'bafy', outputs, reward: 1n, deadline: 10 });
    expectCode(() => job('Secret'), 'Offline.InvalidArgs', /outputs.*unknown variant "Secret".*Public, Committed/);
    expectCode(() => job('Committed'), 'Offline.InvalidArgs', /outputs.*carries data/);
    expectCode(() => job({ Committed: { resultKey: '0x12' } }), 'Offline.InvalidArgs', /\(outputs\)\.Committed\.resultKey: expected 32 bytes/);
    expectCode(() => buildCall('ModelRegistry', 'retire_model', { modelId: 2 ** 53 }), 'Offline.InvalidArgs', /bigint/);
    expectCode(() => buildCall('ModelRegistry', 'retire_model', { modelId: 2n ** 64n }), 'Offline.InvalidArgs', /out of range/);
    expectCode(() => buildCall('ModelRegistry', 'transfer_ownership', { modelId: 1, newOwner: 'not-an-address' }), 'Offline.InvalidArgs', /newOwner/);
    expectCode(() => buildCall('Escrow', 'create', { payee: bob.address, amount: 1, deadline: 10, arbiter: 5 }), 'Offline.InvalidArgs', /arbiter/);
    expectCode(() => buildCall('ModelRegistry', 'register_model', null as never), 'Offline.InvalidArgs');
  });
});

describe('build → signing payload → sign → signed transaction → decode', () => {
  const cases: [string, () => OfflineCall, Record<string, unknown>][] = [
    [
      'ModelRegistry.register_model',
      () =>
        buildCall('ModelRegistry', 'register_model', {
          digest: h(0x01),
          ciphertextDigest: h(0x02),
          cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
          circuit: h(0x03),
          royalty: 125_000,
        }),
      { digest: h(0x01), circuit: h(0x03), royalty: 125_000 },
    ],
    [
      'Escrow.create',
      () => buildCall('Escrow', 'create', { payee: bob.address, amount: 10n ** 20n + 1n, deadline: 5000, arbiter: alice.address }),
      { payee: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty', amount: 10n ** 20n + 1n, deadline: 5000, arbiter: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY' },
    ],
    [
      'Escrow.resolve',
      () => buildCall('Escrow', 'resolve', { escrowId: 3n, payeeShare: 250_000_000 }),
      { escrowId: 3n, payeeShare: 250_000_000 },
    ],
    [
      'ComputeJobs.submit_inference_result',
      () =>
        buildCall('ComputeJobs', 'submit_inference_result', {
          jobId: 42n,
          output: [h(0x05), h(0x06)],
          outputCommitment: h(0x08),
          sealedOutputCid: new Uint8Array(0),
          proof: new Uint8Array(256).fill(9),
        }),
      { jobId: 42n, output: [h(0x05), h(0x06)], outputCommitment: h(0x08), sealedOutputCid: new Uint8Array(0), proof: `0x${'09'.repeat(256)}` },
    ],
    [
      'ComputeJobs.submit_inference_job (committed outputs)',
      () =>
        buildCall('ComputeJobs', 'submit_inference_job', {
          modelId: 3n,
          inputHash: h(0x0a),
          inputCid: 'bafy-sealed-input',
          outputs: { Committed: { resultKey: h(0x0b) } },
          reward: 10n ** 12n,
          deadline: 900,
        }),
      { modelId: 3n, inputHash: h(0x0a), outputs: { Committed: { resultKey: h(0x0b) } }, reward: 10n ** 12n, deadline: 900 },
    ],
    [
      'ComputeJobs.register_worker',
      () => buildCall('ComputeJobs', 'register_worker', { encryptionKey: h(0x07) }),
      { encryptionKey: h(0x07) },
    ],
    [
      // A payload over 256 bytes: what is signed is its blake2-256 hash.
      'ComputeJobs.register_circuit (long payload)',
      () => buildCall('ComputeJobs', 'register_circuit', { vk: new Uint8Array(704).fill(0x5a) }),
      { vk: new Uint8Array(704).fill(0x5a) },
    ],
  ];

  test.each(cases)('%s: decoded equals built, the signature verifies', (_name, build, expectedArgs) => {
    const call = build();
    expect(call.args).toMatchObject(expectedArgs);
    const { unsigned, payload, signature, signed, fromSigned, fromPayload, fromUnsigned } = roundTrip(call, { nonce: 7, tip: 5n });

    const era = { period: 64, phase: chain.blockNumber % 64 };
    const common = { pallet: call.pallet, call: call.call, args: call.args, method: call.method, nonce: 7, tip: 5n, era };
    expect(fromSigned).toMatchObject({ ...common, address: alice.address, signature });
    for (const decoded of [fromSigned, fromPayload, fromUnsigned]) expect(decoded.args).toEqual(call.args);
    expect(fromSigned.hash).toBe(bytesToHex(blake2AsU8a(hexToBytes(signed), 256)));
    expect(fromPayload).toMatchObject({ ...common, genesisHash: chain.genesisHash, blockHash: chain.blockHash });
    expect(fromPayload.address).toBeUndefined();
    expect(fromUnsigned).toMatchObject({ ...common, address: alice.address, blockNumber: chain.blockNumber });
    expect(fromPayload.specVersion).toBe(getRegistry().specVersion);

    // The signature is over the payload bytes as the runtime sees them (hashed if > 256 bytes).
    const message = signedMessage(payload);
    expect(signatureVerify(message, hexToBytes(signature).subarray(1), alice.address).isValid).toBe(true);
    expect(signature.slice(0, 4)).toBe('0x01'); // MultiSignature::Sr25519
    expect(unsigned.signedExtensions).toEqual(getRegistry().signedExtensions);
  });

  test('the long payload really is over 256 bytes and the short one is not', () => {
    const named = (name: string) => cases.find(([n]) => n === name)![1];
    const long = roundTrip(named('ComputeJobs.register_circuit (long payload)')());
    const short = roundTrip(named('ComputeJobs.register_worker')());
    expect(hexToBytes(long.payload).length).toBeGreaterThan(256);
    expect(hexToBytes(short.payload).length).toBeLessThan(256);
    // Signing the unhashed long payload would not verify: the hashing matters.
    const raw = hexToBytes(long.payload);
    expect(signatureVerify(raw, hexToBytes(long.signature).subarray(1), alice.address).isValid).toBe(false);
  });

  test('signing payload layout: call, era, nonce, tip, then the extensions’ implicit data', () => {
    const call = buildCall('ModelRegistry', 'retire_model', { modelId: 9n });
    const { payload } = roundTrip(call, { nonce: 1, tip: 0n });
    const reg = getRegistry();
    const le32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString('hex');
    const tail = `${le32(reg.specVersion)}${le32(reg.transactionVersion)}${chain.genesisHash.slice(2)}${chain.blockHash.slice(2)}`;
    expect(payload.endsWith(tail)).toBe(true);
    // Bytes(method) ‖ era ‖ compact nonce ‖ compact tip ‖ tail (CheckNonZeroSender/CheckWeight add nothing).
    const methodHex = call.method.slice(2);
    const eraHex = buildUnsignedTransaction({ call, address: alice.address, nonce: 1, ...chain }).era.slice(2);
    expect(payload).toBe(`0x${(methodHex.length / 2 << 2).toString(16).padStart(2, '0')}${methodHex}${eraHex}0400${tail}`);
  });

  test('immortal transactions and nested calls (Utility.batch_all) round-trip too', () => {
    const inner = [
      buildCall('ModelRegistry', 'grant_access', { modelId: 1n, grantee: bob.address, envelope: new Uint8Array([1, 2, 3]) }),
      buildCall('Escrow', 'release', { escrowId: 0n }),
    ];
    const batch = buildCall('Utility', 'batch_all', { calls: inner });
    expect(batch.args).toEqual({
      calls: inner.map(({ pallet, call, args }) => ({ pallet, call, args })),
    });
    const { fromSigned } = roundTrip(batch, { eraPeriod: 0 });
    expect(fromSigned.era).toBe('immortal');
    expect(fromSigned.args).toEqual(batch.args);
  });

  test('transaction fields are validated', () => {
    const call = buildCall('Escrow', 'release', { escrowId: 1n });
    const base = { call, address: alice.address, nonce: 0, ...chain };
    expectCode(() => buildUnsignedTransaction({ ...base, address: 'nope' }), 'Offline.InvalidArgs', /address/);
    expectCode(() => buildUnsignedTransaction({ ...base, nonce: -1 }), 'Offline.InvalidArgs', /nonce/);
    expectCode(() => buildUnsignedTransaction({ ...base, blockHash: '0x12' as Hex }), 'Offline.InvalidArgs', /blockHash/);
    expectCode(() => buildUnsignedTransaction({ ...base, genesisHash: 'aa' as Hex }), 'Offline.InvalidArgs', /genesisHash/);
    expectCode(() => buildUnsignedTransaction({ ...base, eraPeriod: 2 }), 'Offline.InvalidArgs', /eraPeriod/);
    expectCode(() => buildUnsignedTransaction({ ...base, eraPeriod: 0 }), 'Offline.InvalidArgs', /genesis/);
    expectCode(() => buildUnsignedTransaction({ ...base, call: { method: 'x' } as never }), 'Offline.InvalidArgs', /buildCall/);
    expectCode(() => buildUnsignedTransaction({ ...base, call: '0xff00' as Hex }), 'Offline.InvalidArgs', /call/);
    const { specVersion } = getRegistry();
    expectCode(() => buildUnsignedTransaction({ ...base, specVersion: specVersion + 1 }), 'Offline.RuntimeMismatch');
    // An encoded call is accepted as well as buildCall's result.
    expect(buildUnsignedTransaction({ ...base, call: call.method }).method).toBe(call.method);
  });

  test('decoding rejects what is not a transaction of this runtime', () => {
    const { signed, payload, unsigned } = roundTrip(buildCall('Escrow', 'dispute', { escrowId: 1n }));
    expectCode(() => decodeTransaction(`${signed}00` as Hex, { signed: true }), 'Offline.InvalidTransaction');
    expectCode(() => decodeTransaction('0xzz' as Hex, { signed: true }), 'Offline.InvalidTransaction');
    expectCode(() => decodeTransaction(payload, { signed: true }), 'Offline.InvalidTransaction');
    expectCode(() => decodeTransaction(`${payload}00` as Hex, { signed: false }), 'Offline.InvalidTransaction');
    // An unknown call index (pallet 99).
    const foreign = `0x${payload.slice(2, 4)}63${payload.slice(6)}` as Hex;
    expectCode(() => decodeTransaction(foreign, { signed: false }), 'Offline.InvalidTransaction');
    // A payload for another spec version would decode wrongly: refused.
    const reg = getRegistry();
    const le32 = (n: number) => Buffer.from(Uint32Array.of(n).buffer).toString('hex');
    const otherSpec = payload.replace(`${le32(reg.specVersion)}${le32(reg.transactionVersion)}`, `${le32(reg.specVersion + 1)}${le32(reg.transactionVersion)}`) as Hex;
    expect(otherSpec).not.toBe(payload);
    expectCode(() => decodeTransaction(otherSpec, { signed: false }), 'Offline.RuntimeMismatch');
    expectCode(() => signPayload(otherSpec, alice), 'Offline.RuntimeMismatch');
    expectCode(() => decodeTransaction({ ...unsigned, metadataRpc: '0x00' } as never, { signed: false }), 'Offline.RuntimeMismatch');
    expectCode(() => createSigningPayload({ ...unsigned, metadataRpc: '0x00' } as never), 'Offline.RuntimeMismatch');
    expectCode(() => createSigningPayload({ ...unsigned, signedExtensions: ['CheckNonce'] }), 'Offline.RuntimeMismatch');
    expectCode(() => createSignedTransaction(unsigned, 'sig' as Hex), 'Offline.InvalidArgs');
    expectCode(() => signPayload(payload, {} as never), 'Offline.InvalidArgs');
  });
});

describe('entry boundaries', () => {
  /** Every source file the given entry reaches through relative imports. */
  function reachable(entry: string): Set<string> {
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
        const spec = (m[1] ?? m[2])!;
        const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
        const candidates = [target, target.replace(/\.ts$/, '/index.ts')];
        const found = candidates.find((c) => existsSync(c));
        if (found) visit(found);
      }
    };
    visit(entry);
    return seen;
  }
  const src = join(import.meta.dirname, '..', 'src');

  test('the core entry does not reach the offline entry, its metadata or txwrapper-core', () => {
    const files = [...reachable(join(src, 'index.ts'))];
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((f) => f.includes(`${join('src', 'offline')}`))).toEqual([]);
    for (const f of files) expect([f, readFileSync(f, 'utf8').includes('@substrate/txwrapper-core')]).toEqual([f, false]);
  });

  test('the offline entry has no runtime import of polkadot-js (only txwrapper-core’s copy is loaded)', () => {
    const files = [...reachable(join(src, 'offline', 'index.ts'))];
    expect(files.some((f) => f.endsWith(join('offline', 'metadata.ts')))).toBe(true);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      const runtimeImports = [...text.matchAll(/^import (?!type )[^;]*?from '(@polkadot\/[^']+)'/gm)].map((m) => m[1]);
      expect([f, runtimeImports]).toEqual([f, []]);
    }
  });
});
