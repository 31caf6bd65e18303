import {
  CHUNK_SIZE,
  createChunkVerifier,
  createMerkleBuilder,
  leafHash,
  merkleLeaves,
  merkleRoot,
  nodeHash,
  rootFromLeaves,
  verifyChunk,
  verifyStream,
} from '@modelproof/sdk/crypto';
import { createSha3, nativeSha3, nobleSha3 } from '../src/crypto/sha3.js';
import { concat, drain, expectCode, hex, MiB, pieces, pseudoRandom, referenceRoot, sha3 } from './helpers.js';

const leaf = (c: Uint8Array) => sha3(Uint8Array.of(0), c);
const node = (l: Uint8Array, r: Uint8Array) => sha3(Uint8Array.of(1), l, r);

describe('model digest (SHA3-256 Merkle root over 1 MiB chunks)', () => {
  test('chunk size is 1 MiB', () => {
    expect(CHUNK_SIZE).toBe(MiB);
  });

  test('empty input is one empty chunk: root = SHA3-256(0x00)', () => {
    const expected = sha3(Uint8Array.of(0));
    expect(hex(merkleRoot(new Uint8Array(0)))).toBe(hex(expected));
    expect(hex(createMerkleBuilder().root())).toBe(hex(expected));
    expect(createMerkleBuilder().leafCount).toBe(1);
  });

  test('small inputs: root is the single leaf SHA3-256(0x00 ‖ bytes)', () => {
    for (const s of ['a', 'abc', 'modelproof']) {
      const b = new TextEncoder().encode(s);
      expect(hex(merkleRoot(b))).toBe(hex(leaf(b)));
      expect(hex(leafHash(b))).toBe(hex(leaf(b)));
    }
    // Pinned value so an accidental change of the rules cannot go unnoticed.
    expect(hex(merkleRoot(new TextEncoder().encode('abc')))).toBe(hex(sha3(new Uint8Array([0, 0x61, 0x62, 0x63]))));
  });

  test('node hash is SHA3-256(0x01 ‖ left ‖ right)', () => {
    const a = pseudoRandom(32, 1);
    const b = pseudoRandom(32, 2);
    expect(hex(nodeHash(a, b))).toBe(hex(node(a, b)));
  });

  test('exactly 1 MiB is one leaf; 1 MiB + 1 byte is two', () => {
    const one = pseudoRandom(MiB, 3);
    expect(hex(merkleRoot(one))).toBe(hex(leaf(one)));
    const more = pseudoRandom(MiB + 1, 4);
    expect(hex(merkleRoot(more))).toBe(hex(node(leaf(more.subarray(0, MiB)), leaf(more.subarray(MiB)))));
    expect(createMerkleBuilder().push(more).leafCount).toBe(2);
  });

  test('odd node counts: the last node is promoted unchanged (3 and 5 chunks)', () => {
    const three = pseudoRandom(2 * MiB + 10, 5);
    const [a, b, c] = [0, 1, 2].map((i) => leaf(three.subarray(i * MiB, (i + 1) * MiB)));
    expect(hex(merkleRoot(three))).toBe(hex(node(node(a!, b!), c!)));

    const five = pseudoRandom(4 * MiB + 1, 6);
    const l = [0, 1, 2, 3, 4].map((i) => leaf(five.subarray(i * MiB, (i + 1) * MiB)));
    expect(hex(merkleRoot(five))).toBe(hex(node(node(node(l[0]!, l[1]!), node(l[2]!, l[3]!)), l[4]!)));
  });

  test('matches an independent node:crypto implementation for many lengths', () => {
    const data = pseudoRandom(6 * MiB + 3, 7);
    for (const n of [0, 1, 31, 1000, MiB - 1, MiB, MiB + 1, 2 * MiB, 3 * MiB + 5, 4 * MiB, 6 * MiB + 3]) {
      expect(hex(merkleRoot(data.subarray(0, n)))).toBe(hex(referenceRoot(data.subarray(0, n))));
    }
  });

  test('streaming in pieces of any size equals one-shot; root() mid-stream does not disturb the builder', () => {
    const data = pseudoRandom(3 * MiB + 12345, 8);
    const b = createMerkleBuilder();
    let off = 0;
    const sizes = [1, 7, MiB - 3, 100_000, 2 * MiB, 4096];
    for (let i = 0; off < data.length; i++) {
      const n = sizes[i % sizes.length]!;
      b.push(data.subarray(off, off + n));
      off += n;
      expect(hex(b.root())).toBe(hex(merkleRoot(data.subarray(0, Math.min(off, data.length)))));
    }
    expect(b.byteLength).toBe(data.length);
    expect(b.leafCount).toBe(4);
    expect(hex(b.root())).toBe(hex(referenceRoot(data)));
    expect(hex(b.leaves())).toBe(hex(merkleLeaves(data)));
  });

  test('SHA3 backends: native (Node) and @noble agree, including clone()', () => {
    expect(nativeSha3).toBeDefined();
    expect(createSha3).toBe(nativeSha3);
    const data = pseudoRandom(MiB + 77, 12);
    for (const make of [nobleSha3, nativeSha3!]) {
      const h = make().update(data.subarray(0, 1000));
      const snapshot = h.clone().digest();
      h.update(data.subarray(1000));
      expect(hex(snapshot)).toBe(hex(sha3(data.subarray(0, 1000))));
      expect(hex(h.digest())).toBe(hex(sha3(data)));
      expect(make().digest()).toEqual(new Uint8Array(sha3()));
    }
  });

  test('chunk map: rootFromLeaves, verifyChunk', () => {
    const data = pseudoRandom(2 * MiB + 7, 9);
    const leaves = merkleLeaves(data);
    expect(leaves.length).toBe(3 * 32);
    expect(hex(rootFromLeaves(leaves))).toBe(hex(merkleRoot(data)));
    expect(verifyChunk(leaves, 2, data.subarray(2 * MiB))).toBe(true);
    expect(verifyChunk(leaves, 1, data.subarray(2 * MiB))).toBe(false);
    expect(verifyChunk(leaves, 3, data.subarray(2 * MiB))).toBe(false);
    const bad = data.slice(MiB, 2 * MiB);
    bad[5]! ^= 1;
    expect(verifyChunk(leaves, 1, bad)).toBe(false);
    expectCode(captureSync(() => rootFromLeaves(new Uint8Array(31))), 'Crypto.InvalidInput');
  });

  test('createChunkVerifier rejects a chunk map that does not match the root', () => {
    const data = pseudoRandom(2 * MiB, 10);
    const leaves = merkleLeaves(data);
    const forged = leaves.slice();
    forged[40]! ^= 1;
    expectCode(captureSync(() => createChunkVerifier({ root: merkleRoot(data), leaves: forged })), 'Crypto.DigestMismatch');
    const v = createChunkVerifier({ root: merkleRoot(data), leaves });
    expect(v.chunkCount).toBe(2);
    v.verify(0, data.subarray(0, MiB));
    const e = captureSync(() => v.verify(1, data.subarray(0, MiB)));
    expectCode(e, 'Crypto.TamperedChunk');
    expect((e as { chunkIndex?: number }).chunkIndex).toBe(1);
  });

  describe('verifyStream', () => {
    const data = pseudoRandom(3 * MiB + 500, 11);
    const params = { root: merkleRoot(data), leaves: merkleLeaves(data) };

    test('passes an intact stream through, in 1 MiB chunks', async () => {
      const { out, error } = await drain(verifyStream(pieces(data, [333_333, 1, MiB + 17]), params));
      expect(error).toBeUndefined();
      expect(out.map((c) => c.length)).toEqual([MiB, MiB, MiB, 500]);
      expect(hex(concat(out))).toBe(hex(data));
    });

    test('rejects a tampered chunk as soon as it arrives and releases none of it', async () => {
      const bad = data.slice();
      bad[2 * MiB + 9]! ^= 0x80;
      const { out, error } = await drain(verifyStream(pieces(bad, [65536]), params));
      expectCode(error, 'Crypto.TamperedChunk');
      expect((error as { chunkIndex?: number }).chunkIndex).toBe(2);
      expect(out.length).toBe(2);
      expect(hex(concat(out))).toBe(hex(data.subarray(0, 2 * MiB)));
    });

    test('a short stream is TruncatedStream; extra data is TamperedChunk', async () => {
      expectCode((await drain(verifyStream(data.subarray(0, 2 * MiB + 1), params))).error, 'Crypto.TruncatedStream');
      expectCode((await drain(verifyStream(data.subarray(0, 3 * MiB + 499), params))).error, 'Crypto.TamperedChunk');
      const longer = await drain(verifyStream(concat([data, Uint8Array.of(0)]), params));
      expectCode(longer.error, 'Crypto.TamperedChunk');
      expect(longer.out.length).toBe(3);
    });
  });
});

function captureSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
