/**
 * The model digest: a SHA3-256 Merkle root over 1 MiB chunks.
 *
 * Rules (these fix the on-chain `digest` and `ciphertext_digest` values):
 * - The input is cut into consecutive chunks of {@link CHUNK_SIZE} (1 MiB) bytes; only the
 *   last chunk may be shorter.
 * - Empty input is one empty chunk, so every input has at least one leaf and
 *   `merkleRoot(empty) = SHA3-256(0x00)`.
 * - leaf = SHA3-256(0x00 ‖ chunk); node = SHA3-256(0x01 ‖ left ‖ right).
 * - The tree is built level by level, pairing neighbours left to right. When a level has an
 *   odd number of nodes, its last node is promoted unchanged to the next level (no
 *   duplication, no padding). The root of a single leaf is that leaf.
 *
 * Streaming verification: the list of leaf hashes (the "chunk map", 32 bytes per MiB, see
 * {@link MerkleBuilder.leaves}) can be stored anywhere untrusted — a downloader first checks
 * it against the trusted root ({@link createChunkVerifier}), then checks each 1 MiB chunk
 * against its leaf as it arrives and rejects a tampered chunk before using any of it
 * ({@link verifyStream}).
 */
import { equalBytes } from './bytes.js';
import { CryptoError } from './errors.js';
import { createSha3 } from './sha3.js';
import { ByteReader, type ByteSource } from './stream.js';

/** Chunk size of the Merkle tree (and of the model cipher): 1 MiB. */
export const CHUNK_SIZE = 1024 * 1024;
/** Length of a SHA3-256 hash, a leaf, a node and a root. */
export const HASH_LEN = 32;

const LEAF_TAG = Uint8Array.of(0x00);
const NODE_TAG = Uint8Array.of(0x01);

/** SHA3-256(0x00 ‖ chunk). */
export function leafHash(chunk: Uint8Array): Uint8Array {
  return createSha3().update(LEAF_TAG).update(chunk).digest();
}

/** SHA3-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return createSha3().update(NODE_TAG).update(left).update(right).digest();
}

function checkLeaves(leaves: Uint8Array): number {
  if (!(leaves instanceof Uint8Array) || leaves.length === 0 || leaves.length % HASH_LEN !== 0) {
    throw new CryptoError('Crypto.InvalidInput', 'a chunk map must be a non-empty concatenation of 32-byte leaf hashes');
  }
  return leaves.length / HASH_LEN;
}

/** The Merkle root of a chunk map (leaf hashes concatenated, 32 bytes each, at least one). */
export function rootFromLeaves(leaves: Uint8Array): Uint8Array {
  const n = checkLeaves(leaves);
  let level: Uint8Array[] = [];
  for (let i = 0; i < n; i++) level.push(leaves.subarray(i * HASH_LEN, (i + 1) * HASH_LEN));
  while (level.length > 1) {
    const next: Uint8Array[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(nodeHash(level[i] as Uint8Array, level[i + 1] as Uint8Array));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Uint8Array);
    level = next;
  }
  return Uint8Array.from(level[0] as Uint8Array);
}

/** Incremental Merkle builder: push bytes as they stream, in pieces of any size. */
export interface MerkleBuilder {
  /** Appends bytes (any length; the builder cuts 1 MiB chunks itself). Returns the builder. */
  push(bytes: Uint8Array): MerkleBuilder;
  /** Bytes pushed so far. */
  readonly byteLength: number;
  /** Number of leaves the input so far has (at least 1: empty input is one empty chunk). */
  readonly leafCount: number;
  /** The chunk map so far: all leaf hashes concatenated (`32 × leafCount` bytes). */
  leaves(): Uint8Array;
  /** The Merkle root of everything pushed so far. Does not end the builder. */
  root(): Uint8Array;
}

/** A new {@link MerkleBuilder}. Memory: 32 bytes per MiB pushed. */
export function createMerkleBuilder(): MerkleBuilder {
  const done: Uint8Array[] = [];
  let current = createSha3().update(LEAF_TAG);
  let inChunk = 0;
  let total = 0;
  const builder: MerkleBuilder = {
    push(bytes) {
      if (!(bytes instanceof Uint8Array)) throw new CryptoError('Crypto.InvalidInput', 'MerkleBuilder.push takes a Uint8Array');
      let off = 0;
      while (off < bytes.length) {
        // A full chunk is closed only once more bytes arrive: exactly 1 MiB is one leaf.
        if (inChunk === CHUNK_SIZE) {
          done.push(current.digest());
          current = createSha3().update(LEAF_TAG);
          inChunk = 0;
        }
        const k = Math.min(CHUNK_SIZE - inChunk, bytes.length - off);
        current.update(bytes.subarray(off, off + k));
        inChunk += k;
        off += k;
      }
      total += bytes.length;
      return builder;
    },
    get byteLength() {
      return total;
    },
    get leafCount() {
      return done.length + 1;
    },
    leaves() {
      const out = new Uint8Array((done.length + 1) * HASH_LEN);
      done.forEach((leaf, i) => out.set(leaf, i * HASH_LEN));
      out.set(current.clone().digest(), done.length * HASH_LEN);
      return out;
    },
    root() {
      return rootFromLeaves(builder.leaves());
    },
  };
  return builder;
}

/** The Merkle root (model digest) of `bytes`. */
export function merkleRoot(bytes: Uint8Array): Uint8Array {
  return createMerkleBuilder().push(bytes).root();
}

/** The chunk map (leaf hashes concatenated) of `bytes`. */
export function merkleLeaves(bytes: Uint8Array): Uint8Array {
  return createMerkleBuilder().push(bytes).leaves();
}

/** True when `chunk` is chunk number `index` of the chunk map `leaves`. */
export function verifyChunk(leaves: Uint8Array, index: number, chunk: Uint8Array): boolean {
  const n = checkLeaves(leaves);
  if (!Number.isInteger(index) || index < 0 || index >= n) return false;
  return equalBytes(leafHash(chunk), leaves.subarray(index * HASH_LEN, (index + 1) * HASH_LEN));
}

/** Checks chunks of one object, one by one, against a chunk map authenticated by a trusted root. */
export interface ChunkVerifier {
  /** Number of chunks the object has. */
  readonly chunkCount: number;
  /** Throws `Crypto.TamperedChunk` unless `chunk` is chunk `index` of the object. */
  verify(index: number, chunk: Uint8Array): void;
}

/**
 * Authenticates a chunk map against a trusted root (e.g. the on-chain `ciphertext_digest`)
 * and returns a per-chunk verifier. Throws `Crypto.DigestMismatch` when the map does not
 * hash to `root`.
 */
export function createChunkVerifier(params: { root: Uint8Array; leaves: Uint8Array }): ChunkVerifier {
  const { root, leaves } = params;
  if (!(root instanceof Uint8Array) || root.length !== HASH_LEN) {
    throw new CryptoError('Crypto.InvalidInput', 'root must be a 32-byte Uint8Array');
  }
  const chunkCount = checkLeaves(leaves);
  if (!equalBytes(rootFromLeaves(leaves), root)) {
    throw new CryptoError('Crypto.DigestMismatch', 'the chunk map does not match the expected Merkle root');
  }
  const map = Uint8Array.from(leaves);
  return {
    chunkCount,
    verify(index, chunk) {
      if (!verifyChunk(map, index, chunk)) {
        throw new CryptoError('Crypto.TamperedChunk', `chunk ${index} does not match the chunk map (modified or cut short)`, {
          chunkIndex: index,
        });
      }
    },
  };
}

/**
 * Streams `source` through a chunk-by-chunk check against `root` (via the chunk map
 * `leaves`): yields each 1 MiB chunk only after it matched its leaf, so nothing unverified is
 * ever released. Errors: `Crypto.DigestMismatch` (map does not match root, checked before
 * reading), `Crypto.TamperedChunk` (a chunk differs, or data continues past the last
 * chunk), `Crypto.TruncatedStream` (the source ends early).
 */
export async function* verifyStream(
  source: ByteSource,
  params: { root: Uint8Array; leaves: Uint8Array },
): AsyncGenerator<Uint8Array, void, undefined> {
  const verifier = createChunkVerifier(params);
  const reader = new ByteReader(source);
  try {
    for (let i = 0; i < verifier.chunkCount; i++) {
      const chunk = await reader.read(CHUNK_SIZE);
      const last = i === verifier.chunkCount - 1;
      if (!last && chunk.length < CHUNK_SIZE) {
        throw new CryptoError(
          'Crypto.TruncatedStream',
          `the stream ended in chunk ${i} of ${verifier.chunkCount}`,
          { chunkIndex: i },
        );
      }
      verifier.verify(i, chunk);
      if (last && (await reader.fill(1))) {
        throw new CryptoError('Crypto.TamperedChunk', `data continues past the last chunk (${i})`, { chunkIndex: i + 1 });
      }
      yield chunk;
    }
  } finally {
    await reader.close();
  }
}
