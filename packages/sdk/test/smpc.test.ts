import { randomInt } from 'node:crypto';
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import {
  SMPC_MAX_ABS,
  SmpcError,
  combinePartials,
  decodeIntegers,
  decodeVector,
  encodeIntegers,
  encodeManifest,
  encodeVector,
  openPartial,
  openShare,
  parseManifest,
  randomFieldElements,
  sealPartial,
  sealShare,
  sealedVectorLength,
  smpcDigest,
  splitShares,
  sumSharesForMember,
  sumVectors,
  type SmpcManifest,
} from '@modelproof/sdk/smpc';
import { BN254_R } from '@modelproof/sdk/zk';
import { expectCode, rejection, sha3, thrown } from './helpers.js';

const mod = (x: bigint) => ((x % BN254_R) + BN254_R) % BN254_R;

/** A random signed integer vector within ±2^60 (test data from node:crypto). */
function randomInts(len: number): bigint[] {
  return Array.from({ length: len }, () => (BigInt(randomInt(2 ** 47)) << 13n) - (1n << 59n) + BigInt(randomInt(8192)));
}

describe('additive sharing over the BN254 scalar field', () => {
  test('split then sum gives back the vector, for committees of 1..5 and random vectors', () => {
    for (let committee = 1; committee <= 5; committee++) {
      for (let round = 0; round < 4; round++) {
        const len = 1 + randomInt(40);
        const vector = encodeIntegers(randomInts(len));
        const shares = splitShares(vector, committee);
        expect(shares).toHaveLength(committee);
        for (const s of shares) {
          expect(s).toHaveLength(len);
          for (const x of s) expect(x >= 0n && x < BN254_R).toBe(true);
        }
        expect(sumVectors(shares)).toEqual(vector);
      }
    }
  });

  test('any committee_size − 1 shares look random: differ from the vector and between runs', () => {
    const vector = encodeIntegers([0n, 1n, -1n, 42n, 0n, 0n, 0n, 0n]);
    for (const committee of [2, 3, 5]) {
      const a = splitShares(vector, committee);
      const b = splitShares(vector, committee);
      // Every proper subset of size committee − 1 (leaving out member k).
      for (let k = 0; k < committee; k++) {
        const subsetA = a.filter((_, j) => j !== k);
        const subsetB = b.filter((_, j) => j !== k);
        const partialA = sumVectors(subsetA);
        expect(partialA).not.toEqual(vector);
        expect(partialA).not.toEqual(sumVectors(subsetB));
        for (const s of subsetA) {
          expect(s).not.toEqual(vector);
          // Elements are spread over the field (a zero element of the vector is not visible as 0).
          expect(s.filter((x) => x < 1n << 200n).length).toBeLessThanOrEqual(2);
        }
      }
    }
    // The random field elements are uniform-looking: top bits vary, all below r.
    const xs = randomFieldElements(2000);
    expect(new Set(xs.map(String)).size).toBe(2000);
    expect(xs.every((x) => x >= 0n && x < BN254_R)).toBe(true);
    const high = xs.filter((x) => x > BN254_R / 2n).length;
    expect(high).toBeGreaterThan(850);
    expect(high).toBeLessThan(1150);
  });

  test('encode / decode: negative numbers, fixed point, several contributors', () => {
    const scale = 16;
    const a = [1.5, -2.25, 0, -0.0001220703125, 1000];
    const b = [-1.5, -2.25, 3, 0.5, -2000];
    const ea = encodeVector(a, scale);
    expect(ea[1]).toBe(BN254_R - 147456n);
    expect(decodeVector(ea, scale)).toEqual(a);
    const sum = sumVectors([ea, encodeVector(b, scale)]);
    expect(decodeVector(sum, scale, { contributors: 2 })).toEqual(a.map((x, i) => x + b[i]!));
    expect(decodeIntegers(encodeIntegers([-5n, 7n]))).toEqual([-5n, 7n]);
    // Through the whole protocol: 3 participants, committee of 4.
    const participants = [a, b, [0.25, 0.25, 0.25, 0.25, 0.25]];
    const committee = 4;
    const sharesByParticipant = participants.map((v) => splitShares(encodeVector(v, scale), committee));
    const partials = Array.from({ length: committee }, (_, j) => sumSharesForMember(sharesByParticipant.map((s) => s[j]!)));
    const total = decodeVector(combinePartials(partials), scale, { contributors: participants.length });
    expect(total).toEqual(a.map((_, i) => participants.reduce((acc, v) => acc + v[i]!, 0)));
  });

  test('overflow bounds: per-element 2^200 on encoding, contributors · 2^200 on decoding', () => {
    expect(encodeIntegers([SMPC_MAX_ABS, -SMPC_MAX_ABS])).toEqual([SMPC_MAX_ABS, BN254_R - SMPC_MAX_ABS]);
    expectCode(thrown(() => encodeIntegers([SMPC_MAX_ABS + 1n])), 'Smpc.Overflow');
    expectCode(thrown(() => encodeIntegers([-SMPC_MAX_ABS - 1n])), 'Smpc.Overflow');
    expectCode(thrown(() => encodeVector([2 ** 190], 16)), 'Smpc.Overflow');
    expect(encodeVector([2 ** 184], 16)).toEqual([1n << 200n]);
    expectCode(thrown(() => encodeVector([Number.NaN], 8)), 'Smpc.InvalidInput');
    expectCode(thrown(() => encodeVector([Number.NEGATIVE_INFINITY], 8)), 'Smpc.InvalidInput');
    expectCode(thrown(() => encodeVector([1], 300)), 'Smpc.InvalidInput');
    // 64 contributors (MaxParticipants) at the bound: the exact sum decodes.
    const maxed = Array.from({ length: 64 }, () => encodeIntegers([SMPC_MAX_ABS, -SMPC_MAX_ABS]));
    expect(decodeIntegers(sumVectors(maxed), { contributors: 64 })).toEqual([64n * SMPC_MAX_ABS, -64n * SMPC_MAX_ABS]);
    // A sum beyond its bound (garbage, or wrapped) is reported, not returned.
    expectCode(thrown(() => decodeIntegers(sumVectors(maxed), { contributors: 63 })), 'Smpc.Overflow');
    expectCode(thrown(() => decodeVector(randomFieldElements(4), 8, { contributors: 64 })), 'Smpc.Overflow');
    expectCode(thrown(() => decodeIntegers([BN254_R])), 'Smpc.InvalidInput');
  });

  test('input validation', () => {
    expectCode(thrown(() => splitShares([1n], 0)), 'Smpc.InvalidInput');
    expectCode(thrown(() => splitShares([1n], 1.5)), 'Smpc.InvalidInput');
    expectCode(thrown(() => splitShares([], 2)), 'Smpc.InvalidInput');
    expectCode(thrown(() => splitShares([BN254_R], 2)), 'Smpc.InvalidInput');
    expectCode(thrown(() => sumVectors([[1n], [1n, 2n]])), 'Smpc.InvalidInput');
    expectCode(thrown(() => sumVectors([])), 'Smpc.InvalidInput');
    expect(sumVectors([[BN254_R - 1n], [1n]])).toEqual([0n]);
    expect(splitShares([mod(-7n)], 1)).toEqual([[mod(-7n)]]);
  });
});

describe('sealed shares and partials', () => {
  const member = generateEncryptionKeyPair();
  const owner = generateEncryptionKeyPair();
  const other = generateEncryptionKeyPair();
  const P = `0x${'11'.repeat(32)}`;
  const M = `0x${'22'.repeat(32)}`;
  const O = `0x${'33'.repeat(32)}`;
  const ctx = { jobId: 9n, index: 2, from: P, to: M };

  test('round trip; size 124 + 32n; fresh randomness each time', async () => {
    const share = randomFieldElements(10);
    const box = await sealShare(share, member.publicKey, ctx);
    const box2 = await sealShare(share, member.publicKey, ctx);
    expect(box.length).toBe(sealedVectorLength(10));
    expect(sealedVectorLength(10)).toBe(124 + 320);
    expect(Buffer.from(box).equals(Buffer.from(box2))).toBe(false);
    expect(await openShare(box, member.secretKey, ctx)).toEqual(share);
    const sum = randomFieldElements(3);
    const partial = await sealPartial(sum, owner.publicKey, { jobId: 9n, index: 0, from: M, to: O });
    expect(await openPartial(partial, owner.secretKey, { jobId: 9n, index: 0, from: M, to: O })).toEqual(sum);
  });

  test('a wrong key, context, kind, version or any modified byte fails with a typed error', async () => {
    const share = randomFieldElements(4);
    const box = await sealShare(share, member.publicKey, ctx);
    expectCode(await rejection(openShare(box, other.secretKey, ctx)), 'Smpc.WrongKey', [member.secretKey, other.secretKey]);
    expectCode(await rejection(openPartial(box, member.secretKey, ctx)), 'Smpc.BadCiphertext');
    for (const altered of [{ ...ctx, jobId: 10n }, { ...ctx, index: 1 }, { ...ctx, from: M }, { ...ctx, to: O }]) {
      expectCode(await rejection(openShare(box, member.secretKey, altered)), 'Smpc.BadCiphertext');
    }
    for (const pos of [1, 2, 20, 91, 95, 110, box.length - 1]) {
      const t = box.slice();
      t[pos]! ^= 0x01;
      const e = await rejection(openShare(t, member.secretKey, ctx));
      expect(e).toBeInstanceOf(SmpcError);
      expect(['Smpc.BadCiphertext', 'Smpc.WrongKey']).toContain((e as SmpcError).code);
    }
    const v2 = box.slice();
    v2[0] = 2;
    expectCode(await rejection(openShare(v2, member.secretKey, ctx)), 'Smpc.UnsupportedVersion');
    expectCode(await rejection(openShare(box.subarray(0, box.length - 1), member.secretKey, ctx)), 'Smpc.BadCiphertext');
    expectCode(await rejection(openShare(box.subarray(0, 100), member.secretKey, ctx)), 'Smpc.BadCiphertext');
    expectCode(await rejection(sealShare([BN254_R], member.publicKey, ctx)), 'Smpc.InvalidInput');
    expectCode(await rejection(sealShare([1n], new Uint8Array(31), ctx)), 'Smpc.InvalidInput');
    expectCode(await rejection(sealShare([1n], member.publicKey, { ...ctx, jobId: -1n })), 'Smpc.InvalidInput');
    expectCode(await rejection(openShare(box, new Uint8Array(3), ctx)), 'Smpc.InvalidInput');
  });
});

describe('contribution manifests', () => {
  const manifest: SmpcManifest = {
    version: 1,
    jobId: 12n,
    participant: `0x${'aa'.repeat(32)}`,
    vectorLen: 3,
    shares: [
      { index: 0, member: `0x${'01'.repeat(32)}`, cid: 'bafkreiaaaa', digest: `0x${'0f'.repeat(32)}` },
      { index: 1, member: `0x${'02'.repeat(32)}`, cid: 'bafkreibbbb', digest: `0x${'f0'.repeat(32)}` },
    ],
  };

  test('canonical bytes, SHA3-256 digest, strict parsing with expectations', () => {
    const { bytes, digest } = encodeManifest(manifest);
    const text = new TextDecoder().decode(bytes);
    expect(text.startsWith('{"format":"modelproof/smpc-manifest","version":1,"jobId":"12","participant":"0xaa')).toBe(true);
    expect(digest).toBe(`0x${Buffer.from(sha3(bytes)).toString('hex')}`);
    expect(smpcDigest(bytes)).toBe(digest);
    const committee = manifest.shares.map((s) => s.member);
    expect(parseManifest(bytes, { digest, jobId: 12n, participant: manifest.participant, vectorLen: 3, committee })).toEqual(manifest);
    expectCode(thrown(() => parseManifest(bytes, { digest: smpcDigest(new Uint8Array(1)) })), 'Smpc.DigestMismatch');
    expectCode(thrown(() => parseManifest(bytes, { jobId: 13n })), 'Smpc.BadManifest');
    expectCode(thrown(() => parseManifest(bytes, { participant: committee[0] })), 'Smpc.BadManifest');
    expectCode(thrown(() => parseManifest(bytes, { vectorLen: 4 })), 'Smpc.BadManifest');
    expectCode(thrown(() => parseManifest(bytes, { committee: [...committee].reverse() })), 'Smpc.BadManifest');
    expectCode(thrown(() => parseManifest(bytes, { committee: committee.slice(0, 1) })), 'Smpc.BadManifest');
    // Not canonical (whitespace), not JSON, other version, bad fields.
    const pretty = new TextEncoder().encode(JSON.stringify(JSON.parse(text), null, 1));
    expectCode(thrown(() => parseManifest(pretty)), 'Smpc.BadManifest');
    expectCode(thrown(() => parseManifest(new TextEncoder().encode('{'))), 'Smpc.BadManifest');
    expectCode(thrown(() => parseManifest(new TextEncoder().encode(text.replace('"version":1', '"version":2')))), 'Smpc.UnsupportedVersion');
    expectCode(thrown(() => encodeManifest({ ...manifest, shares: [{ ...manifest.shares[0]!, index: 1 }] })), 'Smpc.BadManifest');
    expectCode(thrown(() => encodeManifest({ ...manifest, shares: [{ ...manifest.shares[0]!, digest: '0x12' }] })), 'Smpc.BadManifest');
    expectCode(thrown(() => encodeManifest({ ...manifest, shares: [{ ...manifest.shares[0]!, cid: 'x'.repeat(129) }] })), 'Smpc.BadManifest');
    expectCode(thrown(() => encodeManifest({ ...manifest, jobId: 1n << 64n })), 'Smpc.BadManifest');
    expectCode(thrown(() => encodeManifest({ ...manifest, shares: [] })), 'Smpc.BadManifest');
  });
});
