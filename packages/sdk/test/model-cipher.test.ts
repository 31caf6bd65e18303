import { createDecipheriv } from 'node:crypto';
import {
  decryptModel,
  decryptModelBytes,
  encryptModel,
  encryptModelBytes,
  generateContentKey,
  merkleRoot,
  MODEL_HEADER_LEN,
  parseModelHeader,
} from '@modelproof/sdk/crypto';
import { concat, drain, expectCode, expectNoSecrets, hex, MiB, pieces, pseudoRandom, referenceRoot, sha3 } from './helpers.js';

const RECORD_OVERHEAD = 4 + 16;
const FULL_RECORD = MiB + RECORD_OVERHEAD;

/** Splits an object into header and records, using the documented layout. */
function records(object: Uint8Array): { header: Uint8Array; records: Uint8Array[] } {
  const header = object.subarray(0, MODEL_HEADER_LEN);
  const out: Uint8Array[] = [];
  let off = MODEL_HEADER_LEN;
  while (off < object.length) {
    const len = new DataView(object.buffer, object.byteOffset + off).getUint32(0, true) & 0x7fffffff;
    out.push(object.subarray(off, off + 4 + len + 16));
    off += 4 + len + 16;
  }
  return { header, records: out };
}

const sizes = [
  { name: '0 bytes', n: 0, chunks: 1 },
  { name: '1 byte', n: 1, chunks: 1 },
  { name: 'exactly 1 MiB', n: MiB, chunks: 1 },
  { name: '3.5 MiB', n: 3.5 * MiB, chunks: 4 },
];

describe('model cipher round trip', () => {
  test.each(sizes)('$name', async ({ n, chunks }) => {
    const plain = pseudoRandom(n, 42 + n);
    const enc = encryptModel(pieces(plain, [100_000, 1, MiB + 3]));
    expect(enc.header.length).toBe(MODEL_HEADER_LEN);
    const out: Uint8Array[] = [];
    for await (const piece of enc.chunks) out.push(piece);
    const object = concat(out);
    const r = await enc.result;

    expect(out.length).toBe(1 + chunks); // header, then one piece per record
    expect(hex(out[0]!)).toBe(hex(enc.header));
    expect(r.chunkCount).toBe(chunks);
    expect(r.plaintextLength).toBe(n);
    expect(r.ciphertextLength).toBe(object.length);
    expect(object.length).toBe(MODEL_HEADER_LEN + chunks * RECORD_OVERHEAD + n);
    expect(hex(r.digest)).toBe(hex(referenceRoot(plain)));
    expect(hex(r.ciphertextDigest)).toBe(hex(referenceRoot(object)));
    expect(r.ciphertextLeaves.length).toBe(32 * Math.max(1, Math.ceil(object.length / MiB)));

    const back = await drain(
      decryptModel(pieces(object, [77_777, 3]), enc.contentKey, {
        expectedCiphertextDigest: r.ciphertextDigest,
        ciphertextLeaves: r.ciphertextLeaves,
        expectedDigest: r.digest,
      }),
    );
    expect(back.error).toBeUndefined();
    expect(back.out.length).toBe(chunks);
    expect(hex(concat(back.out))).toBe(hex(plain));
  });

  test('encryptModelBytes / decryptModelBytes; the same plaintext encrypts differently each time', async () => {
    const plain = pseudoRandom(1000, 5);
    const key = generateContentKey();
    const a = await encryptModelBytes(plain, { contentKey: key });
    const b = await encryptModelBytes(plain, { contentKey: key });
    expect(hex(a.object)).not.toBe(hex(b.object));
    expect(hex(a.digest)).toBe(hex(b.digest));
    expect(hex(a.contentKey)).toBe(hex(key));
    expect(hex(await decryptModelBytes(b.object, key, { expectedCiphertextDigest: b.ciphertextDigest }))).toBe(hex(plain));
  });

  test('the format is exactly as documented (decrypted here with node:crypto)', async () => {
    const plain = pseudoRandom(MiB + 10, 6);
    const { object, contentKey } = await encryptModelBytes(plain);
    const { header, records: recs } = records(object);
    expect(Buffer.from(header.subarray(0, 4)).toString('latin1')).toBe('MPEM');
    expect([header[4], header[5], header[6], header[7]]).toEqual([1, 1, 0, 0]);
    expect(new DataView(header.buffer, header.byteOffset).getUint32(8, true)).toBe(MiB);
    const prefix = header.subarray(12, 20);
    const commitment = sha3(new TextEncoder().encode('modelproof/model-cipher/v1/key-commitment'), prefix, contentKey);
    expect(hex(header.subarray(20, 52))).toBe(hex(commitment));
    expect(recs.length).toBe(2);
    const got: Buffer[] = [];
    recs.forEach((rec, i) => {
      const info = rec.subarray(0, 4);
      const word = new DataView(info.buffer, info.byteOffset).getUint32(0, true);
      expect(word).toBe(i === 0 ? MiB : (10 | 0x80000000) >>> 0);
      const idx = Buffer.alloc(4);
      idx.writeUInt32BE(i);
      const d = createDecipheriv('aes-256-gcm', contentKey, Buffer.concat([prefix, idx]));
      d.setAAD(Buffer.concat([header, idx, info]));
      d.setAuthTag(rec.subarray(rec.length - 16));
      got.push(Buffer.concat([d.update(rec.subarray(4, rec.length - 16)), d.final()]));
    });
    expect(hex(Buffer.concat(got))).toBe(hex(plain));
  });

  test('a source error reaches the reader and rejects result; an unfinished read rejects result', async () => {
    async function* failing() {
      yield new Uint8Array(10);
      throw new Error('disk gone');
    }
    const enc = encryptModel(failing());
    await expect(drain(enc.chunks).then((d) => (d.error as Error).message)).resolves.toBe('disk gone');
    await expect(enc.result).rejects.toThrow('disk gone');

    const enc2 = encryptModel(pseudoRandom(2 * MiB + 1, 1));
    for await (const _ of enc2.chunks) break;
    await expect(enc2.result).rejects.toMatchObject({ code: 'Crypto.InvalidInput' });
    expect(() => enc2.chunks[Symbol.asyncIterator]()).toThrow(expect.objectContaining({ code: 'Crypto.InvalidInput' }));
  });

  test('bad key lengths are Crypto.InvalidInput', async () => {
    expect(() => encryptModel(new Uint8Array(1), { contentKey: new Uint8Array(16) })).toThrow(
      expect.objectContaining({ code: 'Crypto.InvalidInput' }),
    );
    expectCode((await drain(decryptModel(new Uint8Array(100), new Uint8Array(31)))).error, 'Crypto.InvalidInput');
  });
});

describe('model cipher rejects modified streams, releasing nothing unauthenticated', () => {
  const plain = pseudoRandom(3.5 * MiB, 99);
  const chunkOf = (i: number) => plain.subarray(i * MiB, (i + 1) * MiB);
  let object: Uint8Array;
  let key: Uint8Array;
  let ciphertextDigest: Uint8Array;
  let ciphertextLeaves: Uint8Array;
  let header: Uint8Array;
  let recs: Uint8Array[];
  const errors: unknown[] = [];

  beforeAll(async () => {
    const enc = await encryptModelBytes(plain);
    ({ object, contentKey: key, ciphertextDigest, ciphertextLeaves } = enc);
    ({ header, records: recs } = records(object));
    expect(recs.length).toBe(4);
  });

  async function run(modified: Uint8Array, k = key, options = {}) {
    const r = await drain(decryptModel(pieces(modified, [300_000]), k, options));
    errors.push(r.error);
    // Whatever was released is an authentic prefix of the plaintext, chunk by chunk.
    r.out.forEach((c, i) => expect(hex(c)).toBe(hex(chunkOf(i))));
    return r;
  }

  test.each([0, 1, 2, 3])('a flipped byte in chunk %i: TamperedChunk, chunks before it only', async (i) => {
    for (const where of ['ciphertext', 'tag', 'length/final word']) {
      const bad = object.slice();
      const start = MODEL_HEADER_LEN + i * FULL_RECORD;
      const len = recs[i]!.length;
      const pos = where === 'ciphertext' ? start + 4 + Math.floor((len - 20) / 2) : where === 'tag' ? start + len - 3 : start + 3;
      // In the length/final word, flip the final flag (the top bit, bound by the AAD).
      bad[pos]! ^= where === 'length/final word' ? 0x80 : 0x01;
      const { out, error } = await run(bad);
      expectCode(error, 'Crypto.TamperedChunk', [key]);
      expect((error as { chunkIndex?: number }).chunkIndex).toBe(i);
      expect(out.length).toBe(i);
    }
  });

  test('two chunks swapped: TamperedChunk at the first swapped position', async () => {
    const swapped = concat([header, recs[0]!, recs[2]!, recs[1]!, recs[3]!]);
    const { out, error } = await run(swapped);
    expectCode(error, 'Crypto.TamperedChunk', [key]);
    expect((error as { chunkIndex?: number }).chunkIndex).toBe(1);
    expect(out.length).toBe(1);
  });

  test('the last chunk dropped: TruncatedStream', async () => {
    const { out, error } = await run(concat([header, recs[0]!, recs[1]!, recs[2]!]));
    expectCode(error, 'Crypto.TruncatedStream', [key]);
    expect(out.length).toBe(3);
  });

  test('truncated inside a chunk, inside the final chunk, inside the header: TruncatedStream', async () => {
    const midSecond = await run(object.subarray(0, MODEL_HEADER_LEN + FULL_RECORD + 1000));
    expectCode(midSecond.error, 'Crypto.TruncatedStream', [key]);
    expect(midSecond.out.length).toBe(1);
    const midFinal = await run(object.subarray(0, object.length - 5));
    expectCode(midFinal.error, 'Crypto.TruncatedStream', [key]);
    expect(midFinal.out.length).toBe(3);
    const midHeader = await run(object.subarray(0, 30));
    expectCode(midHeader.error, 'Crypto.TruncatedStream', [key]);
    expect(midHeader.out.length).toBe(0);
    expectCode((await run(new Uint8Array(0))).error, 'Crypto.TruncatedStream', [key]);
  });

  test('data after the final chunk: TamperedChunk, final chunk withheld', async () => {
    const { out, error } = await run(concat([object, Uint8Array.of(0)]));
    expectCode(error, 'Crypto.TamperedChunk', [key]);
    expect(out.length).toBe(3);
  });

  test('a wrong key: WrongKey before any chunk', async () => {
    const other = generateContentKey();
    const { out, error } = await run(object, other);
    expectCode(error, 'Crypto.WrongKey', [key, other]);
    expect(out.length).toBe(0);
  });

  test('header changes: version → UnsupportedVersion, magic → BadHeader, nonce prefix → WrongKey, chunk size → TamperedChunk', async () => {
    const cases: [number, number, string][] = [
      [4, 2, 'Crypto.UnsupportedVersion'],
      [5, 9, 'Crypto.UnsupportedVersion'],
      [0, 0x41, 'Crypto.BadHeader'],
      [6, 1, 'Crypto.BadHeader'],
      [13, 0x55, 'Crypto.WrongKey'],
      [10, 0x20, 'Crypto.TamperedChunk'],
    ];
    for (const [pos, value, code] of cases) {
      const bad = object.slice();
      bad[pos] = value;
      const { out, error } = await run(bad);
      expectCode(error, code, [key]);
      expect(out.length).toBe(0);
    }
    expect(() => parseModelHeader(Uint8Array.from([...object.subarray(0, 4), 7, ...object.subarray(5, 52)]))).toThrow(
      expect.objectContaining({ code: 'Crypto.UnsupportedVersion' }),
    );
    expect(parseModelHeader(header)).toMatchObject({ version: 1, suite: 1, chunkSize: MiB });
  });

  test('expected digests: a mismatch is DigestMismatch and the final chunk is withheld', async () => {
    const wrongRoot = merkleRoot(new Uint8Array(1));
    const c = await run(object, key, { expectedCiphertextDigest: wrongRoot });
    expectCode(c.error, 'Crypto.DigestMismatch', [key]);
    expect(c.out.length).toBe(3);
    const p = await run(object, key, { expectedDigest: wrongRoot, expectedCiphertextDigest: ciphertextDigest });
    expectCode(p.error, 'Crypto.DigestMismatch', [key]);
    expect(p.out.length).toBe(3);
    const map = await run(object, key, { expectedCiphertextDigest: wrongRoot, ciphertextLeaves });
    expectCode(map.error, 'Crypto.DigestMismatch', [key]);
    expect(map.out.length).toBe(0);
  });

  test('with the chunk map, a tampered 1 MiB of the object is rejected before it is decrypted', async () => {
    // Byte 2 MiB + 100 lies in record 2; record 1 ends 92 bytes into object chunk 2, so with the
    // chunk map not even record 1 is released (its tail is in the bad object chunk).
    const bad = object.slice();
    bad[2 * MiB + 100]! ^= 0x04;
    const withMap = await run(bad, key, { expectedCiphertextDigest: ciphertextDigest, ciphertextLeaves });
    expectCode(withMap.error, 'Crypto.TamperedChunk', [key]);
    expect((withMap.error as { chunkIndex?: number }).chunkIndex).toBe(2); // object chunk 2
    expect(withMap.out.length).toBe(1);
    const tagOnly = await run(bad);
    expectCode(tagOnly.error, 'Crypto.TamperedChunk', [key]);
    expect(tagOnly.out.length).toBe(2);
  });

  afterAll(() => {
    // Every error raised above is free of key material.
    expect(errors.length).toBeGreaterThan(15);
    for (const e of errors) expectNoSecrets(e, [key]);
  });
});
