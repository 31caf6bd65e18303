/**
 * Sealed inference inputs and outputs: a vector of field elements and its salt, encrypted so
 * that only its recipients can read it, authenticated together with its context.
 *
 * Layout, v1:
 *
 *   0    version = 1 (u8)
 *   1    kind (u8): 1 = input (consumer → the model's granted workers), 2 = output (worker → consumer)
 *   2    recipient count k (u16 BE, 1 … 1024)
 *   4    k × (recipient X25519 public key (32) ‖ key envelope (90)): one random 32-byte AES key
 *        wrapped to each recipient with the SDK's key envelope (`wrapKey`)
 *   …    nonce (12 bytes, random)
 *   …    AES-256-GCM(key, nonce, aad) of the payload, then the 16-byte tag
 *
 *   payload = u32 BE n ‖ n × 32-byte big-endian canonical field elements ‖ salt (32 bytes)
 *   aad     = every byte before the ciphertext ‖ "modelproof/inference/v1" ‖ kind ‖ u64 BE context
 *
 * The context is the model id for an input (the job id does not exist yet when the input is
 * uploaded) and the job id for an output. An input is bound to its job through `input_hash`:
 * the worker checks `H(inputs ‖ salt) = input_hash` after opening it, and an output through
 * `output_commitment`. Whoever can encrypt to a recipient's public key can make a sealed
 * object, so these hash checks, not the encryption, are what make a sealed object the right one.
 */
import { assertBytes, concatBytes, randomBytes, subtle, toBufferSource, utf8 } from '../crypto/bytes.js';
import { CONTENT_KEY_LEN } from '../crypto/model-cipher.js';
import { ENVELOPE_LEN, unwrapKey, wrapKey } from '../crypto/envelope.js';
import { isModelproofError } from '../errors.js';
import { BN254_R, bigintToBytes32, bytes32ToBigint } from '../zk/field.js';
import { inputHash as saltedInputHash, outputCommitment as saltedOutputCommitment } from '../zk/poseidon.js';
import { JobError } from './errors.js';

export const SEALED_INFERENCE_VERSION = 1;
export const SEALED_KIND_INPUT = 1;
export const SEALED_KIND_OUTPUT = 2;
/** Most recipients a sealed object may name. */
export const MAX_SEALED_RECIPIENTS = 1024;

const DOMAIN = utf8('modelproof/inference/v1');
const RECIPIENT_LEN = 32 + ENVELOPE_LEN;
const NONCE_LEN = 12;
const TAG_LEN = 16;
const U64_MAX = (1n << 64n) - 1n;

/** A vector of field elements with its salt, as sealed. */
export interface SaltedVector {
  /** Field elements (canonical, `< r`; negative fixed-point values as `r − |v|`). */
  values: bigint[];
  salt: bigint;
}

function u64be(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v, false);
  return out;
}

function fieldBytes(x: bigint, what: string): Uint8Array {
  if (typeof x !== 'bigint' || x < 0n || x >= BN254_R) throw new JobError('Job.InvalidParams', `${what} is not a canonical field element`);
  return bigintToBytes32(x);
}

const readField = (bytes: Uint8Array, offset: number): bigint => bytes32ToBigint(bytes.subarray(offset, offset + 32));

function encodePayload(v: SaltedVector): Uint8Array {
  if (!Array.isArray(v.values) || v.values.length === 0) throw new JobError('Job.InvalidParams', 'values must be a non-empty array');
  const count = new Uint8Array(4);
  new DataView(count.buffer).setUint32(0, v.values.length, false);
  return concatBytes(count, ...v.values.map((x, i) => fieldBytes(x, `values[${i}]`)), fieldBytes(v.salt, 'salt'));
}

function decodePayload(bytes: Uint8Array): SaltedVector {
  const bad = (why: string) => new JobError('Job.BadInput', `sealed inference payload is malformed: ${why}`);
  if (bytes.length < 4) throw bad('too short');
  const n = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, false);
  if (n === 0 || bytes.length !== 4 + 32 * (n + 1)) throw bad('length does not match the element count');
  const all: bigint[] = [];
  for (let i = 0; i <= n; i++) {
    const x = readField(bytes, 4 + 32 * i);
    if (x >= BN254_R) throw bad(`element ${i} is not canonical`);
    all.push(x);
  }
  return { values: all.slice(0, n), salt: all[n]! };
}

function contextOf(kind: number, context: bigint): Uint8Array {
  if (typeof context !== 'bigint' || context < 0n || context > U64_MAX) throw new JobError('Job.InvalidParams', 'the context (model or job id) must be a u64 bigint');
  return concatBytes(DOMAIN, Uint8Array.of(kind), u64be(context));
}

async function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  const buf = toBufferSource(raw);
  const key = await subtle().importKey('raw', buf, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  buf.fill(0);
  return key;
}

async function seal(kind: number, vector: SaltedVector, recipients: readonly Uint8Array[], context: bigint): Promise<Uint8Array> {
  const aadTail = contextOf(kind, context);
  if (!Array.isArray(recipients) || recipients.length === 0 || recipients.length > MAX_SEALED_RECIPIENTS) {
    throw new JobError('Job.InvalidParams', `a sealed object needs 1 … ${MAX_SEALED_RECIPIENTS} recipients`);
  }
  const payload = encodePayload(vector);
  const raw = randomBytes(CONTENT_KEY_LEN);
  const entries: Uint8Array[] = [];
  try {
    for (const [i, key] of recipients.entries()) {
      if (!(key instanceof Uint8Array) || key.length !== 32) throw new JobError('Job.InvalidParams', `recipient ${i} is not a 32-byte X25519 public key`);
      try {
        entries.push(concatBytes(key, await wrapKey(raw, key)));
      } catch (e) {
        throw new JobError('Job.InvalidParams', `recipient ${i} is not a usable X25519 public key`, { cause: e });
      }
    }
    const count = new Uint8Array(2);
    new DataView(count.buffer).setUint16(0, recipients.length, false);
    const header = concatBytes(Uint8Array.of(SEALED_INFERENCE_VERSION, kind), count, ...entries, randomBytes(NONCE_LEN));
    const key = await aesKey(raw);
    const sealed = await subtle().encrypt(
      { name: 'AES-GCM', iv: toBufferSource(header.subarray(header.length - NONCE_LEN)), additionalData: toBufferSource(concatBytes(header, aadTail)), tagLength: 128 },
      key,
      toBufferSource(payload),
    );
    return concatBytes(header, new Uint8Array(sealed));
  } finally {
    raw.fill(0);
    payload.fill(0);
  }
}

async function open(kind: number, sealed: Uint8Array, secretKey: Uint8Array, publicKey: Uint8Array, context: bigint): Promise<SaltedVector> {
  const aadTail = contextOf(kind, context);
  const bad = (why: string, cause?: unknown) => new JobError('Job.BadInput', `sealed inference ${kind === SEALED_KIND_INPUT ? 'input' : 'output'}: ${why}`, cause === undefined ? undefined : { cause });
  try {
    assertBytes(secretKey, 'secretKey', 32);
    assertBytes(publicKey, 'publicKey', 32);
  } catch (e) {
    throw new JobError('Job.InvalidParams', 'secretKey and publicKey must be 32-byte X25519 keys', { cause: e });
  }
  if (!(sealed instanceof Uint8Array) || sealed.length < 4) throw bad('too short');
  if (sealed[0] !== SEALED_INFERENCE_VERSION) throw bad(`version ${sealed[0]} is not supported (this SDK reads ${SEALED_INFERENCE_VERSION})`);
  if (sealed[1] !== kind) throw bad(`expected kind ${kind}, got ${sealed[1]}`);
  const k = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength).getUint16(2, false);
  const headerLen = 4 + k * RECIPIENT_LEN + NONCE_LEN;
  if (k === 0 || k > MAX_SEALED_RECIPIENTS || sealed.length < headerLen + TAG_LEN + 4 + 64) throw bad('truncated or malformed header');
  let envelope: Uint8Array | undefined;
  for (let i = 0; i < k; i++) {
    const at = 4 + i * RECIPIENT_LEN;
    const key = sealed.subarray(at, at + 32);
    if (key.every((b, j) => b === publicKey[j])) {
      envelope = sealed.subarray(at + 32, at + RECIPIENT_LEN);
      break;
    }
  }
  if (envelope === undefined) throw new JobError('Job.NotARecipient', 'this sealed object is not addressed to this encryption key');
  let raw: Uint8Array;
  try {
    raw = await unwrapKey(envelope, secretKey);
  } catch (e) {
    if (isModelproofError(e, 'Crypto.WrongKey')) throw new JobError('Job.NotARecipient', 'the envelope for this public key does not open with this secret key', { cause: e });
    throw bad('the key envelope is invalid', e);
  }
  const key = await aesKey(raw);
  raw.fill(0);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: toBufferSource(sealed.subarray(headerLen - NONCE_LEN, headerLen)), additionalData: toBufferSource(concatBytes(sealed.subarray(0, headerLen), aadTail)), tagLength: 128 },
        key,
        toBufferSource(sealed.subarray(headerLen)),
      ),
    );
  } catch {
    throw bad('failed authentication (modified, or opened for another model or job)');
  }
  try {
    return decodePayload(plain);
  } finally {
    plain.fill(0);
  }
}

/**
 * Seals a job's input (quantized values as field elements, and the input salt) to the X25519
 * keys of the workers that may claim it (the model's grantees), bound to `modelId`.
 */
export function sealInferenceInput(input: SaltedVector, recipients: readonly Uint8Array[], modelId: bigint): Promise<Uint8Array> {
  return seal(SEALED_KIND_INPUT, input, recipients, modelId);
}

/**
 * Opens a sealed input with a worker's X25519 key pair and checks it against the job:
 * `H(values ‖ salt)` must equal `inputHash`. Errors: `Job.NotARecipient`, `Job.BadInput`.
 */
export async function openInferenceInput(
  sealed: Uint8Array,
  keys: { secretKey: Uint8Array; publicKey: Uint8Array },
  expect: { modelId: bigint; inputHash: string },
): Promise<SaltedVector> {
  const input = await open(SEALED_KIND_INPUT, sealed, keys.secretKey, keys.publicKey, expect.modelId);
  if (saltedInputHash(input.values, input.salt) !== expect.inputHash.toLowerCase()) {
    throw new JobError('Job.BadInput', 'the sealed input does not hash to the job\'s input_hash');
  }
  return input;
}

/** Seals a job's outputs (field elements) and output salt to the consumer's `resultKey`, bound to `jobId`. */
export function sealInferenceOutput(output: SaltedVector, resultKey: Uint8Array, jobId: bigint): Promise<Uint8Array> {
  return seal(SEALED_KIND_OUTPUT, output, [resultKey], jobId);
}

/**
 * Opens sealed outputs with the consumer's X25519 key pair and checks them against the
 * chain's `output_commitment`. Errors: `Job.NotARecipient`, `Job.BadInput`.
 */
export async function openInferenceOutput(
  sealed: Uint8Array,
  keys: { secretKey: Uint8Array; publicKey: Uint8Array },
  expect: { jobId: bigint; outputCommitment: string },
): Promise<SaltedVector> {
  const output = await open(SEALED_KIND_OUTPUT, sealed, keys.secretKey, keys.publicKey, expect.jobId);
  if (saltedOutputCommitment(output.values, output.salt) !== expect.outputCommitment.toLowerCase()) {
    throw new JobError('Job.BadInput', 'the sealed outputs do not match the output_commitment the chain verified');
  }
  return output;
}
