/**
 * Model encryption: AES-256-GCM in authenticated 1 MiB chunks (a STREAM-style construction).
 *
 * Encrypted object = header ‖ record_0 ‖ record_1 ‖ … ‖ record_{n-1}
 *
 * Header (52 bytes, v1):
 *   0  magic "MPEM" (4)          4  version = 1 (u8)      5  suite = 1: AES-256-GCM (u8)
 *   6  reserved, zero (u16)      8  chunk size, u32 LE (1 MiB)
 *   12 nonce prefix (8 random bytes)
 *   20 key commitment = SHA3-256("modelproof/model-cipher/v1/key-commitment" ‖ nonce prefix ‖ key) (32)
 *
 * Record i (plaintext chunk i, 1 MiB; only the last may be shorter; empty input is one empty
 * final chunk, so records map 1:1 to the plaintext Merkle leaves of {@link merkleRoot}):
 *   info  = u32 LE: plaintext length | 0x8000_0000 if this is the final chunk (4, in clear)
 *   body  = AES-256-GCM(key, nonce, chunk, aad) = ciphertext ‖ 16-byte tag
 *   nonce = nonce prefix ‖ u32 BE i                       (12 bytes, unique per key and chunk)
 *   aad   = header ‖ u32 BE i ‖ info                      (binds position, length, final flag, header)
 *
 * So: a changed byte, swapped chunks or a flipped final flag fail their tag
 * (`Crypto.TamperedChunk`); a stream that ends after a non-final record or inside a record
 * is `Crypto.TruncatedStream`; data after the final record is `Crypto.TamperedChunk`; the
 * key commitment makes a wrong key `Crypto.WrongKey` before any chunk is read, and makes the
 * object decrypt under one key only. Overhead: 52 bytes + 20 bytes per MiB.
 *
 * Plaintext is released chunk by chunk, each only after its tag checks. The final chunk is
 * released only after the end of the stream was seen and the expected digests (if given)
 * matched, so a consumer whose loop completed has the whole, verified model.
 */
import { asBufferSource, assertBytes, concatBytes, equalBytes, randomBytes, readU32le, subtle, toBufferSource, u32be, u32le, utf8 } from './bytes.js';
import { CHUNK_SIZE, createMerkleBuilder, HASH_LEN, verifyStream } from './digest.js';
import { CryptoError } from './errors.js';
import { sha3 } from './sha3.js';
import { ByteReader, type ByteSource } from './stream.js';

export const MODEL_MAGIC = utf8('MPEM');
export const MODEL_FORMAT_VERSION = 1;
/** Suite 1: AES-256-GCM, 96-bit nonce, 128-bit tag. */
export const MODEL_SUITE_AES256GCM = 1;
export const MODEL_HEADER_LEN = 52;
/** Length of a content key (AES-256). */
export const CONTENT_KEY_LEN = 32;
const NONCE_PREFIX_LEN = 8;
const TAG_LEN = 16;
const INFO_LEN = 4;
const FINAL_FLAG = 0x8000_0000;
/** Largest chunk size a v1 reader accepts from a header (bounds memory per chunk). */
const MAX_CHUNK_SIZE = 16 * 1024 * 1024;
const MAX_CHUNKS = 0xffff_ffff;
const KEY_COMMITMENT_DOMAIN = utf8('modelproof/model-cipher/v1/key-commitment');

/** The decoded fields of an encrypted-model header. */
export interface ModelHeader {
  version: number;
  suite: number;
  chunkSize: number;
  noncePrefix: Uint8Array;
  keyCommitment: Uint8Array;
}

/** A new random 32-byte content key. */
export function generateContentKey(): Uint8Array {
  return randomBytes(CONTENT_KEY_LEN);
}

function keyCommitment(contentKey: Uint8Array, noncePrefix: Uint8Array): Uint8Array {
  return sha3(KEY_COMMITMENT_DOMAIN, noncePrefix, contentKey);
}

function encodeHeader(chunkSize: number, noncePrefix: Uint8Array, commitment: Uint8Array): Uint8Array {
  return concatBytes(
    MODEL_MAGIC,
    Uint8Array.of(MODEL_FORMAT_VERSION, MODEL_SUITE_AES256GCM, 0, 0),
    u32le(chunkSize),
    noncePrefix,
    commitment,
  );
}

/**
 * Decodes and validates a header (the first {@link MODEL_HEADER_LEN} bytes of an object).
 * Errors: `Crypto.BadHeader`, `Crypto.UnsupportedVersion`, `Crypto.TruncatedStream` (too short).
 */
export function parseModelHeader(bytes: Uint8Array): ModelHeader {
  assertBytes(bytes, 'header');
  const magicSeen = bytes.subarray(0, MODEL_MAGIC.length);
  if (!equalBytes(magicSeen, MODEL_MAGIC.subarray(0, magicSeen.length))) {
    throw new CryptoError('Crypto.BadHeader', 'not a Modelproof encrypted model (bad magic)');
  }
  if (bytes.length < MODEL_HEADER_LEN) {
    throw new CryptoError('Crypto.TruncatedStream', `the stream ended inside the ${MODEL_HEADER_LEN}-byte header (${bytes.length} bytes)`);
  }
  const version = bytes[4] as number;
  const suite = bytes[5] as number;
  if (version !== MODEL_FORMAT_VERSION) {
    throw new CryptoError('Crypto.UnsupportedVersion', `encrypted model format version ${version} is not supported (this SDK reads version ${MODEL_FORMAT_VERSION})`);
  }
  if (suite !== MODEL_SUITE_AES256GCM) {
    throw new CryptoError('Crypto.UnsupportedVersion', `encrypted model algorithm suite ${suite} is not supported`);
  }
  if (bytes[6] !== 0 || bytes[7] !== 0) throw new CryptoError('Crypto.BadHeader', 'reserved header bytes are not zero');
  const chunkSize = readU32le(bytes, 8);
  if (chunkSize === 0 || chunkSize > MAX_CHUNK_SIZE) {
    throw new CryptoError('Crypto.BadHeader', `chunk size ${chunkSize} is out of range (1..${MAX_CHUNK_SIZE})`);
  }
  return {
    version,
    suite,
    chunkSize,
    noncePrefix: bytes.slice(12, 12 + NONCE_PREFIX_LEN),
    keyCommitment: bytes.slice(20, 20 + HASH_LEN),
  };
}

function nonce(noncePrefix: Uint8Array, index: number): Uint8Array<ArrayBuffer> {
  return toBufferSource(concatBytes(noncePrefix, u32be(index)));
}

async function importAesKey(contentKey: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  return subtle().importKey('raw', toBufferSource(contentKey), { name: 'AES-GCM' }, false, [usage]);
}

/** What {@link encryptModel} reports once its `chunks` have been read to the end. */
export interface EncryptedModelSummary {
  /** Plaintext Merkle root: the model's on-chain `digest`. */
  digest: Uint8Array;
  /** Merkle root of the whole encrypted object, header included: the on-chain `ciphertext_digest`. */
  ciphertextDigest: Uint8Array;
  /** Chunk map of the encrypted object (32 bytes per MiB), for chunk-by-chunk download checks. */
  ciphertextLeaves: Uint8Array;
  /** Bytes of plaintext read. */
  plaintextLength: number;
  /** Bytes of encrypted object produced. */
  ciphertextLength: number;
  /** Number of encrypted records (≥ 1). */
  chunkCount: number;
}

/** A model being encrypted. Read `chunks` to the end, then await `result`. */
export interface EncryptedModelStream {
  /** The content key (generated when not given). Keep it secret; wrap it with `wrapKey`. */
  contentKey: Uint8Array;
  /** The object's header (also the first piece `chunks` yields). */
  header: Uint8Array;
  /** The encrypted object: the header, then one piece per encrypted record. Iterable once. */
  chunks: AsyncIterable<Uint8Array>;
  /** Digests and sizes; resolves when `chunks` has been read to the end. */
  result: Promise<EncryptedModelSummary>;
}

/**
 * Encrypts a model as it streams: plaintext pieces of any size in, encrypted object out,
 * computing `digest` and `ciphertextDigest` on the way (no second pass, memory ≈ 2 MiB).
 */
export function encryptModel(source: ByteSource, options: { contentKey?: Uint8Array } = {}): EncryptedModelStream {
  const contentKey = options.contentKey === undefined ? generateContentKey() : Uint8Array.from(options.contentKey);
  assertBytes(contentKey, 'contentKey', CONTENT_KEY_LEN);
  const noncePrefix = randomBytes(NONCE_PREFIX_LEN);
  const header = encodeHeader(CHUNK_SIZE, noncePrefix, keyCommitment(contentKey, noncePrefix));

  let settle!: { resolve: (s: EncryptedModelSummary) => void; reject: (e: unknown) => void };
  const result = new Promise<EncryptedModelSummary>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // The caller may only read `chunks`; its errors surface there. Do not crash on an unobserved `result`.
  result.catch(() => undefined);

  async function* run(): AsyncGenerator<Uint8Array, void, undefined> {
    const plain = createMerkleBuilder();
    const cipher = createMerkleBuilder();
    const reader = new ByteReader(source);
    let finished = false;
    try {
      const key = await importAesKey(contentKey, 'encrypt');
      cipher.push(header);
      yield header.slice();
      for (let index = 0; ; index++) {
        if (index > MAX_CHUNKS) throw new CryptoError('Crypto.InvalidInput', 'model too large for format v1');
        const chunk = await reader.read(CHUNK_SIZE);
        const final = chunk.length < CHUNK_SIZE || !(await reader.fill(1));
        const info = u32le((chunk.length | (final ? FINAL_FLAG : 0)) >>> 0);
        const body = await subtle().encrypt(
          { name: 'AES-GCM', iv: nonce(noncePrefix, index), additionalData: asBufferSource(concatBytes(header, u32be(index), info)), tagLength: TAG_LEN * 8 },
          key,
          asBufferSource(chunk),
        );
        plain.push(chunk);
        const record = concatBytes(info, new Uint8Array(body));
        cipher.push(record);
        yield record;
        if (final) {
          finished = true;
          settle.resolve({
            digest: plain.root(),
            ciphertextDigest: cipher.root(),
            ciphertextLeaves: cipher.leaves(),
            plaintextLength: plain.byteLength,
            ciphertextLength: cipher.byteLength,
            chunkCount: index + 1,
          });
          return;
        }
      }
    } catch (err) {
      settle.reject(err);
      throw err;
    } finally {
      if (!finished) settle.reject(new CryptoError('Crypto.InvalidInput', 'the encrypted stream was not read to the end'));
      await reader.close();
    }
  }

  let used = false;
  const chunks: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]() {
      if (used) throw new CryptoError('Crypto.InvalidInput', 'the encrypted stream can be iterated only once');
      used = true;
      return run();
    },
  };
  return { contentKey, header, chunks, result };
}

/** A record whose decryption is under way. */
interface PendingChunk {
  index: number;
  plaintext: Promise<ArrayBuffer>;
}

/** Options of {@link decryptModel}. */
export interface DecryptModelOptions {
  /** The on-chain `ciphertext_digest`: the whole object must hash to it. */
  expectedCiphertextDigest?: Uint8Array;
  /**
   * The object's chunk map. With it (and `expectedCiphertextDigest`), every 1 MiB of the
   * object is checked against the chain's root as it arrives, before any of it is decrypted.
   */
  ciphertextLeaves?: Uint8Array;
  /** The on-chain `digest`: the plaintext must hash to it. */
  expectedDigest?: Uint8Array;
}

/**
 * Decrypts an encrypted model as it streams. Yields plaintext chunk by chunk, each only after
 * its tag checked; the final chunk only after the end of the stream and the expected
 * digests checked. Errors (all {@link CryptoError}): `Crypto.BadHeader`,
 * `Crypto.UnsupportedVersion`, `Crypto.WrongKey`, `Crypto.TamperedChunk`,
 * `Crypto.TruncatedStream`, `Crypto.DigestMismatch`.
 */
export async function* decryptModel(
  source: ByteSource,
  contentKey: Uint8Array,
  options: DecryptModelOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  assertBytes(contentKey, 'contentKey', CONTENT_KEY_LEN);
  const { expectedCiphertextDigest, ciphertextLeaves, expectedDigest } = options;
  if (expectedCiphertextDigest !== undefined) assertBytes(expectedCiphertextDigest, 'expectedCiphertextDigest', HASH_LEN);
  if (expectedDigest !== undefined) assertBytes(expectedDigest, 'expectedDigest', HASH_LEN);
  if (ciphertextLeaves !== undefined && expectedCiphertextDigest === undefined) {
    throw new CryptoError('Crypto.InvalidInput', 'ciphertextLeaves needs expectedCiphertextDigest to be checked against');
  }
  const key = Uint8Array.from(contentKey);
  const input =
    ciphertextLeaves !== undefined && expectedCiphertextDigest !== undefined
      ? verifyStream(source, { root: expectedCiphertextDigest, leaves: ciphertextLeaves })
      : source;
  // Without a chunk map the object's root can only be compared at the end.
  const cipher = expectedCiphertextDigest !== undefined && ciphertextLeaves === undefined ? createMerkleBuilder() : undefined;
  const plain = expectedDigest !== undefined ? createMerkleBuilder() : undefined;
  const reader = new ByteReader(input);
  try {
    const header = await reader.read(MODEL_HEADER_LEN);
    const h = parseModelHeader(header);
    if (!equalBytes(keyCommitment(key, h.noncePrefix), h.keyCommitment)) {
      throw new CryptoError('Crypto.WrongKey', 'the content key does not match this encrypted model (wrong key, or a modified header)');
    }
    cipher?.push(header);
    const aesKey = await importAesKey(key, 'decrypt');
    // Record i is decrypted (by WebCrypto, which runs it off the main thread where it can) while
    // the plaintext of record i - 1 is hashed and released and record i + 1 is read and checked:
    // the two SHA3 passes overlap with AES-GCM. Chunks are still released in order, each after
    // its tag checked.
    let inFlight: PendingChunk | undefined;
    const settle = async (pending: PendingChunk): Promise<Uint8Array> => {
      let chunk: Uint8Array;
      try {
        chunk = new Uint8Array(await pending.plaintext);
      } catch {
        throw new CryptoError('Crypto.TamperedChunk', `chunk ${pending.index} failed authentication (modified, reordered or from another object)`, {
          chunkIndex: pending.index,
        });
      }
      plain?.push(chunk);
      return chunk;
    };
    /** Reads record `index`: its info word and its body, checked for framing. */
    const readRecord = async (index: number): Promise<{ info: Uint8Array; body: Uint8Array; final: boolean }> => {
      if (index > MAX_CHUNKS) throw new CryptoError('Crypto.TamperedChunk', 'too many chunks for format v1', { chunkIndex: index });
      const info = await reader.read(INFO_LEN);
      if (info.length < INFO_LEN) {
        throw new CryptoError(
          'Crypto.TruncatedStream',
          info.length === 0
            ? `the stream ended after chunk ${index - 1}, which is not the final chunk`
            : `the stream ended inside chunk ${index}`,
          { chunkIndex: index },
        );
      }
      const word = readU32le(info, 0);
      const final = (word & FINAL_FLAG) !== 0;
      const len = (word & ~FINAL_FLAG) >>> 0;
      if (len > h.chunkSize || (!final && len !== h.chunkSize)) {
        throw new CryptoError('Crypto.TamperedChunk', `chunk ${index} has an invalid length field`, { chunkIndex: index });
      }
      const body = await reader.read(len + TAG_LEN);
      if (body.length < len + TAG_LEN) {
        throw new CryptoError('Crypto.TruncatedStream', `the stream ended inside chunk ${index}`, { chunkIndex: index });
      }
      return { info, body, final };
    };
    for (let index = 0; ; index++) {
      let record: { info: Uint8Array; body: Uint8Array; final: boolean };
      try {
        record = await readRecord(index);
      } catch (error) {
        // the chunk before is released (or its bad tag reported) first, as without the overlap
        if (inFlight) yield await settle(inFlight);
        throw error;
      }
      const { info, body, final } = record;
      cipher?.push(info).push(body);
      const plaintext = subtle().decrypt(
        { name: 'AES-GCM', iv: nonce(h.noncePrefix, index), additionalData: asBufferSource(concatBytes(header, u32be(index), info)), tagLength: TAG_LEN * 8 },
        aesKey,
        asBufferSource(body),
      );
      // handled when settled; until then a consumer that stops early must not leave a rejection unhandled
      plaintext.catch(() => undefined);
      const current: PendingChunk = { index, plaintext };
      if (inFlight) yield await settle(inFlight);
      inFlight = current;
      if (!final) continue;
      const last = await settle(current);
      if (await reader.fill(1)) {
        throw new CryptoError('Crypto.TamperedChunk', `data continues after the final chunk (${index})`, { chunkIndex: index + 1 });
      }
      if (cipher && expectedCiphertextDigest && !equalBytes(cipher.root(), expectedCiphertextDigest)) {
        throw new CryptoError('Crypto.DigestMismatch', 'the encrypted object does not match the expected ciphertext digest');
      }
      if (plain && expectedDigest && !equalBytes(plain.root(), expectedDigest)) {
        throw new CryptoError('Crypto.DigestMismatch', 'the decrypted model does not match the expected digest');
      }
      yield last;
      return;
    }
  } finally {
    key.fill(0);
    await reader.close();
  }
}

/** Encrypts bytes held in memory. Convenience over {@link encryptModel}. */
export async function encryptModelBytes(
  plaintext: Uint8Array,
  options: { contentKey?: Uint8Array } = {},
): Promise<EncryptedModelSummary & { contentKey: Uint8Array; object: Uint8Array }> {
  const enc = encryptModel(plaintext, options);
  const parts: Uint8Array[] = [];
  for await (const piece of enc.chunks) parts.push(piece);
  return { ...(await enc.result), contentKey: enc.contentKey, object: concatBytes(...parts) };
}

/** Decrypts an object held in memory (or any source) into one Uint8Array. */
export async function decryptModelBytes(source: ByteSource, contentKey: Uint8Array, options: DecryptModelOptions = {}): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const piece of decryptModel(source, contentKey, options)) parts.push(piece);
  return concatBytes(...parts);
}
