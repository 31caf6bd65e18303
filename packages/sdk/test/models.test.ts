// @modelproof/sdk/models against the real devnet and a real Kubo node: publish → grant → fetch,
// and every way the fetched content can be wrong.
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';

import { type Devnet, startDevnet, startIpfs } from '@modelproof/devnet';
import { type ModelproofClient, createClient, getModel, getGrant, registerModel, registerWorker } from '@modelproof/sdk';
import { type EncryptionKeyPair, encryptModelBytes, generateEncryptionKeyPair, merkleLeaves, merkleRoot } from '@modelproof/sdk/crypto';
import { type Ipfs, createIpfs } from '@modelproof/sdk/ipfs';
import {
  type ModelStore,
  decodeManifest,
  encodeManifest,
  fetchModel,
  fetchModelStream,
  grantModelAccess,
  publishModel,
} from '@modelproof/sdk/models';
import { MiB, concat, drain, expectCode, expectNoSecrets, hex, pieces, pseudoRandom, referenceRoot } from './helpers.js';

let devnet: Devnet;
let ipfs: Ipfs;
let alice: ModelproofClient;
let bob: ModelproofClient;
let pairs: Record<string, KeyringPair>;
let bobKeys: EncryptionKeyPair;

const toHex = (b: Uint8Array): string => `0x${hex(b)}`;

/** A store that counts what it is asked, on top of the real one. */
function counting(store: Ipfs): Ipfs & { cats: string[] } {
  const cats: string[] = [];
  return {
    cats,
    add: (b, o) => store.add(b, o),
    addStream: (s, o) => store.addStream(s, o),
    cat: (c, o) => store.cat(c, o),
    catStream: (c, o) => {
      cats.push(c);
      return store.catStream(c, o);
    },
  };
}

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519' });
  pairs = Object.fromEntries(['Alice', 'Bob', 'Charlie', 'Dave'].map((n) => [n, keyring.addFromUri(`//${n}`)]));
  devnet = await startDevnet({ ipfs: true });
  ipfs = createIpfs({ url: devnet.ipfs!.apiUrl });
  alice = await createClient({ endpoint: devnet.endpoint, signer: pairs['Alice']! });
  bob = alice.withSigner(pairs['Bob']!);
  bobKeys = generateEncryptionKeyPair();
  await registerWorker(bob, { encryptionKey: bobKeys.publicKey });
});

afterAll(async () => {
  await alice?.disconnect();
  await devnet?.stop();
});

/**
 * A model that is encrypted and registered honestly (digests of the real object), with
 * whatever the test wants stored under the registered CID; granted to Bob.
 */
async function registerWith(seed: number, store: (object: Uint8Array, leaves: Uint8Array) => Promise<string>) {
  const plaintext = pseudoRandom(3 * MiB + 1000, seed);
  const enc = await encryptModelBytes(plaintext);
  const cid = await store(enc.object, enc.ciphertextLeaves);
  const { modelId } = await registerModel(alice, { digest: enc.digest, ciphertextDigest: enc.ciphertextDigest, cid, royalty: 0 });
  await grantModelAccess(alice, { modelId, grantee: pairs['Bob']!.address, contentKey: enc.contentKey });
  return { modelId, plaintext, enc };
}

const manifestFor = (objectCid: string, size: number, leaves: Uint8Array) => encodeManifest({ object: objectCid, size, leaves });

describe('publish → grant → fetch', () => {
  const plaintext = pseudoRandom(3 * MiB + 123_457, 7); // four 1 MiB chunks
  let published: Awaited<ReturnType<typeof publishModel>>;

  test('publishModel encrypts while streaming, uploads object + manifest, registers the digests', async () => {
    published = await publishModel(alice, ipfs, { data: pieces(plaintext, [65_536, 1_000_000, 7]), royalty: 50_000 });
    expect(published.modelId).toBeGreaterThanOrEqual(0n);
    expect(published.size).toBe(plaintext.length);
    expect(published.encryptedSize).toBe(plaintext.length + 52 + 4 * 20);
    expect(published.digest).toBe(toHex(referenceRoot(plaintext))); // independent reference implementation
    expect(published.receipt.events.some((e) => e.method === 'ModelRegistered')).toBe(true);

    const model = await getModel(alice, published.modelId);
    expect(model).toMatchObject({ owner: pairs['Alice']!.address, cid: published.cid, digest: published.digest, royalty: 50_000 });
    expect(model!.ciphertextDigest).toBe(published.ciphertextDigest);

    // The registered CID is the manifest; it names the object and carries its chunk map.
    const manifest = decodeManifest(await ipfs.cat(published.cid));
    expect(manifest.object).toBe(published.objectCid);
    expect(manifest.size).toBe(published.encryptedSize);
    const object = await ipfs.cat(published.objectCid);
    expect(object.length).toBe(published.encryptedSize);
    expect(new TextDecoder().decode(object.subarray(0, 4))).toBe('MPEM');
    expect(toHex(merkleRoot(object))).toBe(published.ciphertextDigest);
    expect(hex(merkleLeaves(object))).toBe(hex(manifest.leaves));
    // The plaintext is nowhere in the object.
    expect(Buffer.from(object).includes(Buffer.from(plaintext.subarray(0, 64)))).toBe(false);
  });

  test('grantModelAccess wraps the content key to the grantee’s on-chain X25519 key', async () => {
    const receipt = await grantModelAccess(alice, { modelId: published.modelId, grantee: pairs['Bob']!.address, contentKey: published.contentKey });
    expect(receipt.envelope.length).toBe(90);
    expect(await getGrant(alice, published.modelId, pairs['Bob']!.address)).toEqual(receipt.envelope);
    expectNoSecrets(new Error(JSON.stringify(receipt, (_, v) => (typeof v === 'bigint' ? String(v) : v))), [published.contentKey]);
  });

  test('fetchModel as the grantee gives back the model byte-identical', async () => {
    const bytes = await fetchModel(bob, ipfs, { modelId: published.modelId, secretKey: bobKeys.secretKey });
    expect(bytes.length).toBe(plaintext.length);
    expect(Buffer.compare(bytes, plaintext)).toBe(0);
  });

  test('fetchModelStream yields the model chunk by chunk; the owner can fetch with the content key', async () => {
    const { out, error } = await drain(fetchModelStream(alice, ipfs, { modelId: published.modelId, contentKey: published.contentKey }));
    expect(error).toBeUndefined();
    expect(out.length).toBe(4);
    expect(Buffer.compare(concat(out), plaintext)).toBe(0);
    // The caller's key is not wiped by the SDK.
    expect(published.contentKey.some((b) => b !== 0)).toBe(true);
  });

  test('a grant to a non-worker needs recipientPublicKey; without it, Model.NoEncryptionKey', async () => {
    const charlie = pairs['Charlie']!.address;
    await expect(grantModelAccess(alice, { modelId: published.modelId, grantee: charlie, contentKey: published.contentKey })).rejects.toMatchObject({
      code: 'Model.NoEncryptionKey',
    });
    expect(await getGrant(alice, published.modelId, charlie)).toBeNull();
    const keys = generateEncryptionKeyPair();
    await grantModelAccess(alice, { modelId: published.modelId, grantee: charlie, contentKey: published.contentKey, recipientPublicKey: keys.publicKey });
    // Read Charlie's grant through Alice's client by naming the account.
    const bytes = await fetchModel(alice, ipfs, { modelId: published.modelId, secretKey: keys.secretKey, account: charlie });
    expect(Buffer.compare(bytes, plaintext)).toBe(0);
  });

  test('no grant, unknown model, wrong secret key: typed errors before any download', async () => {
    const spy = counting(ipfs);
    await expect(fetchModel(alice.withSigner(pairs['Dave']!), spy, { modelId: published.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({
      code: 'Model.NoGrant',
    });
    await expect(fetchModel(bob, spy, { modelId: 999_999n, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Model.NotFound' });
    const wrong = generateEncryptionKeyPair().secretKey;
    const error = await fetchModel(bob, spy, { modelId: published.modelId, secretKey: wrong }).catch((e: unknown) => e);
    expectCode(error, 'Crypto.WrongKey', [wrong, bobKeys.secretKey, published.contentKey]);
    expect(spy.cats).toEqual([]);
    await expect(fetchModel(bob, spy, { modelId: published.modelId })).rejects.toMatchObject({ code: 'Model.InvalidParams' });
  });

  test('maxBytes below the model size: Ipfs.TooLarge before the object is downloaded', async () => {
    const spy = counting(ipfs);
    await expect(fetchModel(bob, spy, { modelId: published.modelId, secretKey: bobKeys.secretKey }, { maxBytes: 2 * MiB })).rejects.toMatchObject({
      code: 'Ipfs.TooLarge',
    });
    expect(spy.cats).toEqual([published.cid]); // the manifest only
  });
});

describe('tampered or unusable IPFS content: a typed error and no bytes', () => {
  test('one modified byte in the object (honest manifest): Crypto.TamperedChunk', async () => {
    const { modelId, plaintext } = await registerWith(101, async (object, leaves) => {
      const bad = object.slice();
      bad[2 * MiB + 5] = bad[2 * MiB + 5]! ^ 0x01;
      return ipfs.add(manifestFor(await ipfs.add(bad), bad.length, leaves));
    });
    const error = await fetchModel(bob, ipfs, { modelId, secretKey: bobKeys.secretKey }).catch((e: unknown) => e);
    expectCode(error, 'Crypto.TamperedChunk');
    expect((error as { chunkIndex?: number }).chunkIndex).toBe(2);
    // The stream form releases only chunks that were verified before the bad one: a strict prefix.
    const { out, error: streamError } = await drain(fetchModelStream(bob, ipfs, { modelId, secretKey: bobKeys.secretKey }));
    expectCode(streamError, 'Crypto.TamperedChunk');
    const got = concat(out);
    expect(got.length).toBeLessThan(2 * MiB);
    expect(Buffer.compare(got, plaintext.subarray(0, got.length))).toBe(0);
  });

  test('a modified object with a chunk map recomputed to match it: Model.DigestMismatch', async () => {
    const { modelId } = await registerWith(102, async (object) => {
      const bad = object.slice();
      bad[100] = bad[100]! ^ 0xff;
      return ipfs.add(manifestFor(await ipfs.add(bad), bad.length, merkleLeaves(bad)));
    });
    await expect(fetchModel(bob, ipfs, { modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Model.DigestMismatch' });
  });

  test('a truncated object: Crypto.TruncatedStream; a longer one: Model.DigestMismatch', async () => {
    const short = await registerWith(103, async (object, leaves) => {
      const cut = object.subarray(0, 2 * MiB);
      return ipfs.add(manifestFor(await ipfs.add(cut), object.length, leaves));
    });
    await expect(fetchModel(bob, ipfs, { modelId: short.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Crypto.TruncatedStream' });
    const long = await registerWith(104, async (object, leaves) => {
      const longer = concat([object, new Uint8Array(10)]);
      return ipfs.add(manifestFor(await ipfs.add(longer), object.length, leaves));
    });
    await expect(fetchModel(bob, ipfs, { modelId: long.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Model.DigestMismatch' });
  });

  test('a bare encrypted object as the registered CID: accepted when honest, Model.DigestMismatch when modified', async () => {
    const honest = await registerWith(105, (object) => ipfs.add(object));
    const bytes = await fetchModel(bob, ipfs, { modelId: honest.modelId, secretKey: bobKeys.secretKey });
    expect(Buffer.compare(bytes, honest.plaintext)).toBe(0);

    const tampered = await registerWith(106, (object) => {
      const bad = object.slice();
      bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x80;
      return ipfs.add(bad);
    });
    await expect(fetchModel(bob, ipfs, { modelId: tampered.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Model.DigestMismatch' });
    // Nothing is decrypted from an unverified bare object: the stream yields nothing at all.
    const { out, error } = await drain(fetchModelStream(bob, ipfs, { modelId: tampered.modelId, secretKey: bobKeys.secretKey }));
    expectCode(error, 'Model.DigestMismatch');
    expect(out).toEqual([]);
  });

  test('garbage under the registered CID: Model.BadManifest; a CID that is not one: Ipfs.InvalidCid', async () => {
    const garbage = await registerWith(107, () => ipfs.add(new TextEncoder().encode('{"format":"something else"}')));
    await expect(fetchModel(bob, ipfs, { modelId: garbage.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Model.BadManifest' });
    const invalid = await registerWith(108, async () => 'not-a-cid');
    await expect(fetchModel(bob, ipfs, { modelId: invalid.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Ipfs.InvalidCid' });
  });

  test('content missing from the node: Ipfs.NotFound; the node gone: Ipfs.Unavailable', async () => {
    const missing = await registerWith(109, async () => 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy');
    await expect(fetchModel(bob, ipfs, { modelId: missing.modelId, secretKey: bobKeys.secretKey })).rejects.toMatchObject({ code: 'Ipfs.NotFound' });

    const other = await startIpfs();
    const otherStore = createIpfs({ url: other.apiUrl });
    const plaintext = pseudoRandom(MiB + 5, 110);
    const published = await publishModel(alice, otherStore, { data: plaintext, royalty: 0 });
    expect(Buffer.compare(await fetchModel(alice, otherStore, { modelId: published.modelId, contentKey: published.contentKey }), plaintext)).toBe(0);
    await other.stop();
    const started = Date.now();
    await expect(fetchModel(alice, otherStore, { modelId: published.modelId, contentKey: published.contentKey })).rejects.toMatchObject({
      code: 'Ipfs.Unavailable',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});

describe('publishModel inputs', () => {
  test('a given content key is used; a bad one is Model.InvalidParams; no signer is Client.NoSigner', async () => {
    const contentKey = new Uint8Array(32).fill(9);
    const plaintext = pseudoRandom(1000, 201);
    const published = await publishModel(alice, ipfs, { data: plaintext, royalty: 0, contentKey });
    expect(hex(published.contentKey)).toBe(hex(contentKey));
    expect(Buffer.compare(await fetchModel(alice, ipfs, { modelId: published.modelId, contentKey }), plaintext)).toBe(0);
    await expect(publishModel(alice, ipfs, { data: plaintext, royalty: 0, contentKey: new Uint8Array(5) })).rejects.toMatchObject({
      code: 'Model.InvalidParams',
    });
    const readOnly = await createClient({ endpoint: devnet.endpoint });
    try {
      const spy = counting(ipfs);
      await expect(publishModel(readOnly, spy as ModelStore, { data: plaintext, royalty: 0 })).rejects.toMatchObject({ code: 'Client.NoSigner' });
    } finally {
      await readOnly.disconnect();
    }
  });

  test('the same model twice: the chain refuses the duplicate digest (ModelRegistry.DuplicateDigest)', async () => {
    const plaintext = pseudoRandom(5000, 202);
    await publishModel(alice, ipfs, { data: plaintext, royalty: 0 });
    await expect(publishModel(alice, ipfs, { data: plaintext, royalty: 0 })).rejects.toMatchObject({ code: 'ModelRegistry.DuplicateDigest' });
  });
});
