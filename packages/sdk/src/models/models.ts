/**
 * Model helpers: publish an encrypted model (encrypt while streaming, upload, register), grant
 * access (wrap the content key to the grantee's on-chain X25519 key), fetch a model (verify
 * every chunk against the chain before decrypting it).
 */
import { hexToU8a, u8aToHex } from '@polkadot/util';

import { getGrant, getModel, grantAccess, registerModel, type Model } from '../actions/models.js';
import { getWorker } from '../actions/workers.js';
import type { ModelproofClient } from '../client/client.js';
import { CHUNK_SIZE, merkleRoot, rootFromLeaves } from '../crypto/digest.js';
import { concatBytes, equalBytes } from '../crypto/bytes.js';
import { unwrapKey, wrapKey, X25519_KEY_LEN } from '../crypto/envelope.js';
import { CONTENT_KEY_LEN, MODEL_MAGIC, decryptModel, encryptModel } from '../crypto/model-cipher.js';
import { ByteReader, type ByteSource } from '../crypto/stream.js';
import { isModelproofError } from '../errors.js';
import type { Ipfs } from '../ipfs/client.js';
import { IpfsError } from '../ipfs/errors.js';
import type { Hex } from '../tx/decode.js';
import { type Receipt, type SubmitOptions, requireSigner } from '../tx/submit.js';
import { ModelError } from './errors.js';
import { MAX_MANIFEST_LEN, decodeManifest, encodeManifest, type ModelInterface } from './manifest.js';

/** What the model helpers need of an IPFS store (`createIpfs` from `@modelproof/sdk/ipfs` provides it). */
export type ModelStore = Pick<Ipfs, 'add' | 'addStream' | 'catStream'>;

/** Default size limit of a model download (the encrypted object): 1 GiB. */
export const DEFAULT_MODEL_MAX_BYTES = 1024 * 1024 * 1024;

export interface PublishModelParams {
  /** The plaintext model: bytes, or a stream of them (`fs.createReadStream(path)`, a `ReadableStream`, …). */
  data: ByteSource;
  /** Royalty on job rewards in parts per million (0 … 1 000 000). */
  royalty: number;
  /** A registered circuit proving the model (needed for verifiable inference jobs). */
  circuitId?: Hex | Uint8Array | null;
  /** The content key (32 bytes); default a new random one. */
  contentKey?: Uint8Array;
}

export interface PublishModelOptions extends SubmitOptions {
  /** Deadline of each IPFS upload in ms (default: the store's). */
  uploadTimeoutMs?: number;
}

export interface PublishedModel {
  modelId: bigint;
  /** The CID registered on chain: the model's manifest (which names the encrypted object and carries its chunk map). */
  cid: string;
  /** CID of the encrypted object itself. */
  objectCid: string;
  /** On-chain `digest`: Merkle root of the plaintext. */
  digest: Hex;
  /** On-chain `ciphertext_digest`: Merkle root of the encrypted object. */
  ciphertextDigest: Hex;
  /** The content key. Keep it secret; grant it with {@link grantModelAccess}. */
  contentKey: Uint8Array;
  /** Plaintext and encrypted sizes in bytes. */
  size: number;
  encryptedSize: number;
  receipt: Receipt<{ modelId: bigint }>;
}

/**
 * Publishes a model: encrypts it as it streams (AES-256-GCM in 1 MiB chunks, computing
 * `digest` and `ciphertext_digest` on the way), uploads the encrypted object and then its
 * manifest (object CID + chunk map) to IPFS, and registers the model with the manifest's CID.
 * Memory stays around a few MiB whatever the model size. The signer pays the model deposit.
 */
export async function publishModel(
  client: ModelproofClient,
  ipfs: ModelStore,
  params: PublishModelParams,
  options: PublishModelOptions = {},
): Promise<PublishedModel> {
  requireSigner(client);
  const uploaded = await uploadEncryptedModel(ipfs, params.data, params.contentKey, undefined, options);
  const receipt = await registerModel(
    client,
    { digest: uploaded.digest, ciphertextDigest: uploaded.ciphertextDigest, cid: uploaded.cid, circuitId: params.circuitId ?? null, royalty: params.royalty },
    options,
  );
  return { ...uploaded, modelId: receipt.modelId, receipt };
}

/** What {@link uploadEncryptedModel} uploaded: everything of a {@link PublishedModel} but the registration. */
export type UploadedModel = Omit<PublishedModel, 'modelId' | 'receipt'>;

/**
 * Encrypts `data` as it streams, uploads the encrypted object and then its manifest (with the
 * model's public `modelInterface`, if given); registers nothing. {@link publishModel} and
 * `publishCompiledModel` register the result.
 */
export async function uploadEncryptedModel(
  ipfs: ModelStore,
  data: ByteSource,
  contentKey: Uint8Array | undefined,
  modelInterface: ModelInterface | undefined,
  options: PublishModelOptions = {},
): Promise<UploadedModel> {
  if (contentKey !== undefined && (!(contentKey instanceof Uint8Array) || contentKey.length !== CONTENT_KEY_LEN)) {
    throw new ModelError('Model.InvalidParams', `contentKey must be ${CONTENT_KEY_LEN} bytes`);
  }
  const ipfsOptions = { timeoutMs: options.uploadTimeoutMs, signal: options.signal };
  const enc = encryptModel(data, contentKey === undefined ? {} : { contentKey });
  const objectCid = await ipfs.addStream(enc.chunks, ipfsOptions);
  const summary = await enc.result;
  const manifest = encodeManifest({
    object: objectCid,
    size: summary.ciphertextLength,
    leaves: summary.ciphertextLeaves,
    ...(modelInterface === undefined ? {} : { interface: modelInterface }),
  });
  const cid = await ipfs.add(manifest, ipfsOptions);
  return {
    cid,
    objectCid,
    digest: u8aToHex(summary.digest) as Hex,
    ciphertextDigest: u8aToHex(summary.ciphertextDigest) as Hex,
    contentKey: enc.contentKey,
    size: summary.plaintextLength,
    encryptedSize: summary.ciphertextLength,
  };
}

export interface GrantModelAccessParams {
  modelId: bigint | number;
  /** The account to grant access to. */
  grantee: string | Uint8Array;
  /** The model's content key (from {@link publishModel}). */
  contentKey: Uint8Array;
  /** The grantee's X25519 public key; default the one it registered as a worker (`getWorker(grantee).encryptionKey`). */
  recipientPublicKey?: Hex | Uint8Array;
}

/**
 * Grants `grantee` access to a model the signer owns: wraps the content key to the grantee's
 * X25519 key (its on-chain worker key unless `recipientPublicKey` is given) and stores the
 * envelope with `grant_access`. Errors: `Model.NoEncryptionKey` (no key on chain), pallet errors.
 */
export async function grantModelAccess(
  client: ModelproofClient,
  params: GrantModelAccessParams,
  options?: SubmitOptions,
): Promise<Receipt<{ envelope: Uint8Array }>> {
  requireSigner(client);
  if (!(params.contentKey instanceof Uint8Array) || params.contentKey.length !== CONTENT_KEY_LEN) {
    throw new ModelError('Model.InvalidParams', `contentKey must be ${CONTENT_KEY_LEN} bytes`);
  }
  let recipient: Uint8Array;
  if (params.recipientPublicKey !== undefined) {
    recipient = typeof params.recipientPublicKey === 'string' ? hexToU8a(params.recipientPublicKey) : params.recipientPublicKey;
    if (!(recipient instanceof Uint8Array) || recipient.length !== X25519_KEY_LEN) {
      throw new ModelError('Model.InvalidParams', `recipientPublicKey must be ${X25519_KEY_LEN} bytes`);
    }
  } else {
    const worker = await getWorker(client, params.grantee, { timeoutMs: options?.timeoutMs, signal: options?.signal });
    if (worker === null) {
      throw new ModelError(
        'Model.NoEncryptionKey',
        `${typeof params.grantee === 'string' ? params.grantee : u8aToHex(params.grantee)} has no X25519 key on chain (not a registered worker); pass recipientPublicKey`,
      );
    }
    recipient = hexToU8a(worker.encryptionKey);
  }
  const envelope = await wrapKey(params.contentKey, recipient);
  const receipt = await grantAccess(client, { modelId: params.modelId, grantee: params.grantee, envelope }, options);
  return { ...receipt, envelope };
}

export interface FetchModelParams {
  modelId: bigint | number;
  /**
   * The X25519 secret key the grant was wrapped to (a worker's encryption key). The grant read is
   * `account`'s, default the client's signer.
   */
  secretKey?: Uint8Array;
  /** Or the content key itself (the owner, who needs no grant). */
  contentKey?: Uint8Array;
  /** Whose grant to open with `secretKey`; default the client's address. */
  account?: string | Uint8Array;
}

export interface FetchModelOptions {
  /** Largest encrypted object accepted in bytes (default 1 GiB); larger is `Ipfs.TooLarge`, before or while downloading. */
  maxBytes?: number;
  /** Deadline in ms of each step: each chain query and each IPFS download (default: the client's / store's). */
  timeoutMs?: number;
  /** Cancels the fetch. */
  signal?: AbortSignal;
}

async function* concatStreams(head: Uint8Array, reader: ByteReader): AsyncGenerator<Uint8Array, void, undefined> {
  if (head.length > 0) yield head;
  for (;;) {
    const piece = await reader.read(CHUNK_SIZE);
    if (piece.length === 0) return;
    yield piece;
  }
}

async function collect(source: AsyncIterable<Uint8Array>, limit: number, onOver: () => Error): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let length = 0;
  for await (const piece of source) {
    length += piece.length;
    if (length > limit) throw onOver();
    parts.push(piece);
  }
  return concatBytes(...parts);
}

function checkKey(value: unknown, name: string, length: number): Uint8Array {
  if (!(value instanceof Uint8Array) || value.length !== length) throw new ModelError('Model.InvalidParams', `${name} must be ${length} bytes`);
  return value;
}

/** Reads the model and the content key (from the grant, or as given). */
async function openModel(
  client: ModelproofClient,
  params: FetchModelParams,
  options: FetchModelOptions,
): Promise<{ model: Model; contentKey: Uint8Array; ours: boolean }> {
  if ((params.secretKey === undefined) === (params.contentKey === undefined)) {
    throw new ModelError('Model.InvalidParams', 'fetchModel takes exactly one of secretKey (a grantee) or contentKey (the owner)');
  }
  const secretKey = params.secretKey === undefined ? undefined : checkKey(params.secretKey, 'secretKey', X25519_KEY_LEN);
  const givenKey = params.contentKey === undefined ? undefined : checkKey(params.contentKey, 'contentKey', CONTENT_KEY_LEN);
  const query = { timeoutMs: options.timeoutMs, signal: options.signal };
  const model = await getModel(client, params.modelId, query);
  if (model === null) throw new ModelError('Model.NotFound', `there is no model ${String(params.modelId)}`);
  if (givenKey) return { model, contentKey: givenKey, ours: false };
  const account = params.account ?? client.address;
  if (account === undefined) throw new ModelError('Model.InvalidParams', 'pass account (whose grant to open) or use a client with a signer');
  const envelope = await getGrant(client, model.id, account, query);
  if (envelope === null) {
    throw new ModelError('Model.NoGrant', `${typeof account === 'string' ? account : u8aToHex(account)} has no access grant on model ${model.id}`, {
      modelId: model.id,
    });
  }
  return { model, contentKey: await unwrapKey(envelope, secretKey as Uint8Array), ours: true };
}

/**
 * Fetches and decrypts a model as a stream of plaintext chunks. Order of checks: the model and
 * the account's grant are read from chain and the content key is unwrapped (`Model.NotFound`,
 * `Model.NoGrant`, `Crypto.WrongKey`) before anything is downloaded; the manifest's chunk map
 * must hash to the on-chain `ciphertext_digest` (`Model.DigestMismatch`); every MiB of the
 * encrypted object is checked against it before it is decrypted (`Crypto.TamperedChunk`,
 * `Crypto.TruncatedStream`); the last chunk is released only after the whole plaintext matched
 * the on-chain `digest` (`Model.DigestMismatch`). A loop that completes has the whole, verified
 * model. IPFS failures are `Ipfs.*` errors.
 *
 * A model registered with the CID of a bare encrypted object (no manifest) is also accepted:
 * the object is then downloaded whole (within `maxBytes`) and checked before decryption starts.
 */
export async function* fetchModelStream(
  client: ModelproofClient,
  ipfs: Pick<Ipfs, 'catStream'>,
  params: FetchModelParams,
  options: FetchModelOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const maxBytes = options.maxBytes ?? DEFAULT_MODEL_MAX_BYTES;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) throw new ModelError('Model.InvalidParams', 'maxBytes must be a non-negative integer');
  const { model, contentKey, ours } = await openModel(client, params, options);
  const mismatch = (what: string, cause?: unknown): ModelError =>
    new ModelError('Model.DigestMismatch', `model ${model.id}: ${what}`, { modelId: model.id, cause });
  try {
    const digest = hexToU8a(model.digest);
    const ciphertextDigest = hexToU8a(model.ciphertextDigest);
    const ipfsOptions = { timeoutMs: options.timeoutMs, signal: options.signal };

    // What the chain points to: a manifest (JSON) or a bare encrypted object ("MPEM").
    const reader = new ByteReader(ipfs.catStream(model.cid, { ...ipfsOptions, maxBytes: Math.max(maxBytes, MAX_MANIFEST_LEN) }));
    let source: ByteSource;
    let leaves: Uint8Array | undefined;
    try {
      const head = await reader.read(MODEL_MAGIC.length);
      if (equalBytes(head, MODEL_MAGIC)) {
        const object = await collect(concatStreams(head, reader), maxBytes, () =>
          new IpfsError('Ipfs.TooLarge', `model ${model.id}: the encrypted object is larger than maxBytes (${maxBytes} bytes)`, { cid: model.cid }),
        );
        if (!equalBytes(merkleRoot(object), ciphertextDigest)) throw mismatch('the encrypted object does not match the on-chain ciphertext_digest');
        source = object;
      } else {
        const bytes = await collect(concatStreams(head, reader), MAX_MANIFEST_LEN, () =>
          new ModelError('Model.BadManifest', `model ${model.id}: the content at ${model.cid} is neither a model manifest nor an encrypted model`, {
            modelId: model.id,
          }),
        );
        const manifest = decodeManifest(bytes, model.id);
        if (!equalBytes(rootFromLeaves(manifest.leaves), ciphertextDigest)) {
          throw mismatch('the chunk map published in its manifest does not match the on-chain ciphertext_digest');
        }
        if (manifest.size > maxBytes) {
          throw new IpfsError('Ipfs.TooLarge', `model ${model.id}: the encrypted object is ${manifest.size} bytes, more than maxBytes (${maxBytes})`, {
            cid: manifest.object,
          });
        }
        leaves = manifest.leaves;
        source = guardLength(ipfs.catStream(manifest.object, { ...ipfsOptions, maxBytes: manifest.size }), () =>
          mismatch('the encrypted object is longer than its chunk map'),
        );
      }
    } finally {
      await reader.close();
    }

    try {
      yield* decryptModel(source, contentKey, {
        expectedCiphertextDigest: ciphertextDigest,
        ...(leaves === undefined ? {} : { ciphertextLeaves: leaves }),
        expectedDigest: digest,
      });
    } catch (error) {
      if (isModelproofError(error, 'Crypto.DigestMismatch')) throw mismatch('the data does not match its on-chain digest', error);
      throw error;
    }
  } finally {
    if (ours) contentKey.fill(0);
  }
}

/** Turns `Ipfs.TooLarge` of an object stream (longer than its manifest says) into `onOver()`. */
async function* guardLength(source: AsyncIterable<Uint8Array>, onOver: () => Error): AsyncGenerator<Uint8Array, void, undefined> {
  try {
    yield* source;
  } catch (error) {
    if (isModelproofError(error, 'Ipfs.TooLarge')) throw onOver();
    throw error;
  }
}

/**
 * Fetches, verifies and decrypts a model into one `Uint8Array` (see {@link fetchModelStream} for
 * the checks). On any failure it throws a typed error and returns nothing.
 */
export async function fetchModel(
  client: ModelproofClient,
  ipfs: Pick<Ipfs, 'catStream'>,
  params: FetchModelParams,
  options: FetchModelOptions = {},
): Promise<Uint8Array> {
  return collect(fetchModelStream(client, ipfs, params, options), Number.MAX_SAFE_INTEGER, () => new Error('unreachable'));
}
