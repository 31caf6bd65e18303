/**
 * Encrypted shares and partials ("sealed vectors").
 *
 * Every share (participant → committee member) and every partial (member → job owner) is a
 * sealed vector, v1:
 *
 *   0    version = 1 (u8)
 *   1    kind (u8): 1 = share, 2 = partial
 *   2    envelope (90 bytes): a fresh random 32-byte AES key wrapped to the recipient's X25519
 *        public key with the SDK's key envelope (`wrapKey`: ephemeral X25519 + HKDF-SHA256 +
 *        AES-256-GCM, see crypto/envelope.ts)
 *   92   nonce (12 bytes, random)
 *   104  AES-256-GCM(key, nonce, aad) of the payload, then the 16-byte tag
 *
 *   payload = u32 BE element count n ‖ n × 32-byte big-endian canonical field elements
 *   aad     = bytes 0..104 ‖ "modelproof/smpc/v1" ‖ kind ‖ u64 BE job id ‖ u32 BE index
 *             ‖ u32 BE len ‖ sender ‖ u32 BE len ‖ recipient          (sender/recipient UTF-8)
 *
 * The context (job, share index, sender, recipient) is authenticated, not stored: opening a
 * share with any other context fails (`Smpc.BadCiphertext`), so a share cannot be replayed
 * into another job or re-addressed. For a share, `index` is the member's position in the
 * on-chain committee; for a partial it is 0. Sender and recipient are account ids in one
 * canonical form (the jobs helpers use the 32-byte AccountId as `0x` hex).
 * Size: 124 + 32·n bytes.
 */
import { assertBytes, concatBytes, randomBytes, subtle, toBufferSource, u32be, utf8 } from '../crypto/bytes.js';
import { CONTENT_KEY_LEN } from '../crypto/model-cipher.js';
import { ENVELOPE_LEN, unwrapKey, wrapKey } from '../crypto/envelope.js';
import { isModelproofError } from '../errors.js';
import { BN254_R } from '../zk/field.js';
import { SmpcError } from './errors.js';

export const SEALED_VECTOR_VERSION = 1;
export const SEALED_KIND_SHARE = 1;
export const SEALED_KIND_PARTIAL = 2;
const NONCE_LEN = 12;
const HEADER_LEN = 2 + ENVELOPE_LEN + NONCE_LEN;
const TAG_LEN = 16;
const DOMAIN = utf8('modelproof/smpc/v1');
const U64_MAX = (1n << 64n) - 1n;

/** Who a share or partial is from and to, and for which job. */
export interface SealContext {
  jobId: bigint;
  /** Share: the member's committee position. Partial: 0. */
  index: number;
  /** Sender account (canonical form, e.g. `0x` hex AccountId). */
  from: string;
  /** Recipient account (same form). */
  to: string;
}

function u64be(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, false);
  return out;
}

function contextBytes(kind: number, ctx: SealContext): Uint8Array {
  if (typeof ctx !== 'object' || ctx === null) throw new SmpcError('Smpc.InvalidInput', 'context is required');
  const { jobId, index, from, to } = ctx;
  if (typeof jobId !== 'bigint' || jobId < 0n || jobId > U64_MAX) throw new SmpcError('Smpc.InvalidInput', 'context.jobId must be a u64 bigint');
  if (!Number.isInteger(index) || index < 0 || index > 0xffffffff) throw new SmpcError('Smpc.InvalidInput', 'context.index must be a u32');
  if (typeof from !== 'string' || from.length === 0 || typeof to !== 'string' || to.length === 0) {
    throw new SmpcError('Smpc.InvalidInput', 'context.from and context.to must be non-empty strings');
  }
  const f = utf8(from);
  const t = utf8(to);
  return concatBytes(DOMAIN, Uint8Array.of(kind), u64be(jobId), u32be(index), u32be(f.length), f, u32be(t.length), t);
}

function encodePayload(vector: readonly bigint[]): Uint8Array {
  if (!Array.isArray(vector) || vector.length === 0) throw new SmpcError('Smpc.InvalidInput', 'vector must be a non-empty array');
  const out = new Uint8Array(4 + 32 * vector.length);
  new DataView(out.buffer).setUint32(0, vector.length, false);
  vector.forEach((x, i) => {
    if (typeof x !== 'bigint' || x < 0n || x >= BN254_R) throw new SmpcError('Smpc.InvalidInput', `vector[${i}] is not a canonical field element`);
    let v = x;
    for (let b = 31; b >= 0; b--) {
      out[4 + 32 * i + b] = Number(v & 0xffn);
      v >>= 8n;
    }
  });
  return out;
}

function decodePayload(bytes: Uint8Array): bigint[] {
  const bad = (why: string) => new SmpcError('Smpc.BadCiphertext', `sealed vector payload is malformed: ${why}`);
  if (bytes.length < 4) throw bad('too short');
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (n === 0 || bytes.length !== 4 + 32 * n) throw bad('length does not match the element count');
  const out: bigint[] = [];
  for (let i = 0; i < n; i++) {
    let x = 0n;
    for (let b = 0; b < 32; b++) x = (x << 8n) | BigInt(bytes[4 + 32 * i + b]!);
    if (x >= BN254_R) throw bad(`element ${i} is not canonical`);
    out.push(x);
  }
  return out;
}

async function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  const buf = toBufferSource(raw);
  const key = await subtle().importKey('raw', buf, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  buf.fill(0);
  return key;
}

async function seal(kind: number, vector: readonly bigint[], recipientPublicKey: Uint8Array, ctx: SealContext): Promise<Uint8Array> {
  const context = contextBytes(kind, ctx);
  const payload = encodePayload(vector);
  if (!(recipientPublicKey instanceof Uint8Array) || recipientPublicKey.length !== 32) {
    throw new SmpcError('Smpc.InvalidInput', 'recipientPublicKey must be a 32-byte X25519 public key');
  }
  const raw = randomBytes(CONTENT_KEY_LEN);
  let envelope: Uint8Array;
  try {
    envelope = await wrapKey(raw, recipientPublicKey);
  } catch (e) {
    raw.fill(0);
    throw new SmpcError('Smpc.InvalidInput', 'recipientPublicKey is not a usable X25519 public key', { cause: e });
  }
  const key = await aesKey(raw);
  raw.fill(0);
  const nonce = randomBytes(NONCE_LEN);
  const header = concatBytes(Uint8Array.of(SEALED_VECTOR_VERSION, kind), envelope, nonce);
  const sealed = await subtle().encrypt(
    { name: 'AES-GCM', iv: toBufferSource(nonce), additionalData: toBufferSource(concatBytes(header, context)), tagLength: 128 },
    key,
    toBufferSource(payload),
  );
  payload.fill(0);
  return concatBytes(header, new Uint8Array(sealed));
}

async function open(kind: number, box: Uint8Array, recipientSecretKey: Uint8Array, ctx: SealContext): Promise<bigint[]> {
  const context = contextBytes(kind, ctx);
  if (!(box instanceof Uint8Array)) throw new SmpcError('Smpc.InvalidInput', 'sealed vector must be a Uint8Array');
  try {
    assertBytes(recipientSecretKey, 'recipientSecretKey', 32);
  } catch (e) {
    throw new SmpcError('Smpc.InvalidInput', 'recipientSecretKey must be a 32-byte X25519 secret key', { cause: e });
  }
  if (box.length < 2) throw new SmpcError('Smpc.BadCiphertext', 'sealed vector too short');
  if (box[0] !== SEALED_VECTOR_VERSION) throw new SmpcError('Smpc.UnsupportedVersion', `sealed vector version ${box[0]} is not supported (this SDK reads ${SEALED_VECTOR_VERSION})`);
  if (box[1] !== kind) {
    throw new SmpcError('Smpc.BadCiphertext', `expected a ${kind === SEALED_KIND_SHARE ? 'share' : 'partial'}, got kind ${box[1]}`);
  }
  if (box.length < HEADER_LEN + TAG_LEN + 4 + 32) throw new SmpcError('Smpc.BadCiphertext', `sealed vector too short (${box.length} bytes)`);
  let raw: Uint8Array;
  try {
    raw = await unwrapKey(box.subarray(2, 2 + ENVELOPE_LEN), recipientSecretKey);
  } catch (e) {
    if (isModelproofError(e, 'Crypto.WrongKey')) {
      throw new SmpcError('Smpc.WrongKey', 'this sealed vector is addressed to a different encryption key', { cause: e });
    }
    throw new SmpcError('Smpc.BadCiphertext', 'the sealed vector\'s key envelope is invalid', { cause: e });
  }
  const key = await aesKey(raw);
  raw.fill(0);
  let plain: ArrayBuffer;
  try {
    plain = await subtle().decrypt(
      {
        name: 'AES-GCM',
        iv: toBufferSource(box.subarray(2 + ENVELOPE_LEN, HEADER_LEN)),
        additionalData: toBufferSource(concatBytes(box.subarray(0, HEADER_LEN), context)),
        tagLength: 128,
      },
      key,
      toBufferSource(box.subarray(HEADER_LEN)),
    );
  } catch {
    throw new SmpcError('Smpc.BadCiphertext', 'the sealed vector failed authentication (modified, or opened for another job, sender, recipient or index)');
  }
  const bytes = new Uint8Array(plain);
  try {
    return decodePayload(bytes);
  } finally {
    bytes.fill(0);
  }
}

/** Encrypts a share for a committee member (context: job, member index, participant → member). */
export function sealShare(share: readonly bigint[], memberPublicKey: Uint8Array, ctx: SealContext): Promise<Uint8Array> {
  return seal(SEALED_KIND_SHARE, share, memberPublicKey, ctx);
}

/** Opens a share with the member's X25519 secret key. Errors: `Smpc.WrongKey`, `Smpc.BadCiphertext`, `Smpc.UnsupportedVersion`. */
export function openShare(box: Uint8Array, memberSecretKey: Uint8Array, ctx: SealContext): Promise<bigint[]> {
  return open(SEALED_KIND_SHARE, box, memberSecretKey, ctx);
}

/** Encrypts a member's partial sum to the job owner (context: job, index 0, member → owner). */
export function sealPartial(partial: readonly bigint[], ownerPublicKey: Uint8Array, ctx: SealContext): Promise<Uint8Array> {
  return seal(SEALED_KIND_PARTIAL, partial, ownerPublicKey, ctx);
}

/** Opens a partial with the job owner's X25519 secret key. Same errors as {@link openShare}. */
export function openPartial(box: Uint8Array, ownerSecretKey: Uint8Array, ctx: SealContext): Promise<bigint[]> {
  return open(SEALED_KIND_PARTIAL, box, ownerSecretKey, ctx);
}

/** Size in bytes of a sealed vector of `n` elements. */
export function sealedVectorLength(n: number): number {
  return HEADER_LEN + 4 + 32 * n + TAG_LEN;
}
