/**
 * Sealed inference inputs/outputs, the compiled-model bundle and the manifest's model interface:
 * round trips, and every way a malicious or broken party can hand over something else.
 */
import { generateEncryptionKeyPair } from '@modelproof/sdk/crypto';
import { openInferenceInput, openInferenceOutput, quantizeInput, sealInferenceInput, sealInferenceOutput } from '@modelproof/sdk/jobs';
import { checkModelInterface, decodeBundle, decodeManifest, encodeBundle, encodeManifest, type ModelInterface } from '@modelproof/sdk/models';
import { BN254_R, inputHash, outputCommitment, randomSalt, toField } from '@modelproof/sdk/zk';
import { expectCode, rejection, thrown } from './helpers.js';

const workers = Array.from({ length: 3 }, () => generateEncryptionKeyPair());
const values = [5n, toField(-7n), 123456789n];

describe('sealed inference input', () => {
  test('every recipient opens it and gets the values and salt that hash to input_hash', async () => {
    const salt = randomSalt();
    const hash = inputHash(values, salt);
    const sealed = await sealInferenceInput({ values, salt }, workers.map((w) => w.publicKey), 11n);
    for (const w of workers) {
      const opened = await openInferenceInput(sealed, w, { modelId: 11n, inputHash: hash });
      expect(opened).toEqual({ values, salt });
    }
    // Nothing of the input is visible in the sealed bytes.
    const hex = Buffer.from(sealed).toString('hex');
    expect(hex.includes((123456789n).toString(16))).toBe(false);
  });

  test('a non-recipient, another model, another input hash, or any flipped byte is refused', async () => {
    const salt = randomSalt();
    const hash = inputHash(values, salt);
    const sealed = await sealInferenceInput({ values, salt }, [workers[0]!.publicKey], 11n);
    const outsider = generateEncryptionKeyPair();
    expectCode(await rejection(openInferenceInput(sealed, outsider, { modelId: 11n, inputHash: hash })), 'Job.NotARecipient');
    // The outsider claims the listed public key but has another secret.
    expectCode(await rejection(openInferenceInput(sealed, { secretKey: outsider.secretKey, publicKey: workers[0]!.publicKey }, { modelId: 11n, inputHash: hash })), 'Job.NotARecipient');
    expectCode(await rejection(openInferenceInput(sealed, workers[0]!, { modelId: 12n, inputHash: hash })), 'Job.BadInput');
    expectCode(await rejection(openInferenceInput(sealed, workers[0]!, { modelId: 11n, inputHash: inputHash(values, salt + 1n) })), 'Job.BadInput');
    for (const at of [0, 1, 5, sealed.length - 20, sealed.length - 1]) {
      const tampered = Uint8Array.from(sealed);
      tampered[at]! ^= 0x01;
      const e = await rejection(openInferenceInput(tampered, workers[0]!, { modelId: 11n, inputHash: hash }));
      expect(['Job.BadInput', 'Job.NotARecipient']).toContain((e as { code: string }).code);
    }
    expectCode(await rejection(openInferenceInput(sealed.subarray(0, 60), workers[0]!, { modelId: 11n, inputHash: hash })), 'Job.BadInput');
  });

  test('a forger who can encrypt to the worker but does not know the input cannot make one that passes', async () => {
    const salt = randomSalt();
    const hash = inputHash(values, salt);
    // Other values under the right worker key: opens, but does not hash to the job's input_hash.
    const forged = await sealInferenceInput({ values: [1n, 2n, 3n], salt: randomSalt() }, [workers[0]!.publicKey], 11n);
    expectCode(await rejection(openInferenceInput(forged, workers[0]!, { modelId: 11n, inputHash: hash })), 'Job.BadInput');
  });

  test('bad parameters are typed errors', async () => {
    expectCode(await rejection(sealInferenceInput({ values: [], salt: 1n }, [workers[0]!.publicKey], 1n)), 'Job.InvalidParams');
    expectCode(await rejection(sealInferenceInput({ values: [BN254_R], salt: 1n }, [workers[0]!.publicKey], 1n)), 'Job.InvalidParams');
    expectCode(await rejection(sealInferenceInput({ values: [1n], salt: 1n }, [], 1n)), 'Job.InvalidParams');
    expectCode(await rejection(sealInferenceInput({ values: [1n], salt: 1n }, [new Uint8Array(31)], 1n)), 'Job.InvalidParams');
    expectCode(await rejection(sealInferenceInput({ values: [1n], salt: 1n }, [workers[0]!.publicKey], -1n)), 'Job.InvalidParams');
  });
});

describe('sealed inference output', () => {
  test('the consumer opens it; it must match the verified output_commitment and the job', async () => {
    const consumer = generateEncryptionKeyPair();
    const outputs = [toField(-3n), 99n];
    const salt = randomSalt();
    const commitment = outputCommitment(outputs, salt);
    const sealed = await sealInferenceOutput({ values: outputs, salt }, consumer.publicKey, 4n);
    expect(await openInferenceOutput(sealed, consumer, { jobId: 4n, outputCommitment: commitment })).toEqual({ values: outputs, salt });
    expectCode(await rejection(openInferenceOutput(sealed, consumer, { jobId: 5n, outputCommitment: commitment })), 'Job.BadInput');
    // A worker that seals other outputs than it proved is caught by the commitment.
    const lie = await sealInferenceOutput({ values: [0n, 99n], salt }, consumer.publicKey, 4n);
    expectCode(await rejection(openInferenceOutput(lie, consumer, { jobId: 4n, outputCommitment: commitment })), 'Job.BadInput');
    // An input cannot be passed off as an output (kinds differ).
    const asInput = await sealInferenceInput({ values: outputs, salt }, [consumer.publicKey], 4n);
    expectCode(await rejection(openInferenceOutput(asInput, consumer, { jobId: 4n, outputCommitment: commitment })), 'Job.BadInput');
  });
});

const iface: ModelInterface = { inputShape: [2, 2], inputSize: 4, inputScaleBits: 8, inputRangeBits: 16, outputSize: 3, outputScaleBits: 8, postprocess: ['ArgMax'], labels: ['a', 'b', 'c'] };

describe('model bundle and interface', () => {
  test('a bundle round-trips; malformed ones are Model.BadBundle', () => {
    const files = new Map([
      ['model.json', new TextEncoder().encode('{"x":1}')],
      ['model.wasm', new Uint8Array([0, 97, 115, 109])],
      ['model.zkey', new Uint8Array(1000).fill(7)],
    ]);
    const bytes = encodeBundle(files);
    const back = decodeBundle(bytes);
    expect([...back.keys()]).toEqual([...files.keys()]);
    for (const [k, v] of files) expect(Buffer.from(back.get(k)!)).toEqual(Buffer.from(v));
    expectCode(thrown(() => decodeBundle(bytes.subarray(0, bytes.length - 1))), 'Model.BadBundle');
    expectCode(thrown(() => decodeBundle(new Uint8Array([...bytes, 0]))), 'Model.BadBundle');
    const badMagic = Uint8Array.from(bytes);
    badMagic[0] = 0;
    expectCode(thrown(() => decodeBundle(badMagic)), 'Model.BadBundle');
    const badVersion = Uint8Array.from(bytes);
    badVersion[4] = 9;
    expectCode(thrown(() => decodeBundle(badVersion)), 'Model.BadBundle');
    expectCode(thrown(() => encodeBundle({})), 'Model.InvalidParams');
  });

  test('the manifest carries the interface; bad interfaces are refused', () => {
    const leaves = new Uint8Array(32).fill(1);
    const manifest = decodeManifest(encodeManifest({ object: 'bafkqaaa', size: 10, leaves, interface: iface }));
    expect(manifest.interface).toEqual(iface);
    expect(decodeManifest(encodeManifest({ object: 'bafkqaaa', size: 10, leaves })).interface).toBeUndefined();
    for (const bad of [
      { ...iface, inputSize: 5 },
      { ...iface, outputSize: 0 },
      { ...iface, inputScaleBits: -1 },
      { ...iface, labels: ['a'] },
      { ...iface, inputShape: [] },
      { ...iface, inputRangeBits: 1 },
    ]) {
      expectCode(thrown(() => checkModelInterface(bad)), 'Model.BadManifest');
      expectCode(thrown(() => encodeManifest({ object: 'bafkqaaa', size: 10, leaves, interface: bad })), 'Model.InvalidParams');
    }
  });

  test('quantizeInput: numbers nested or flat, bigints as is, count and range checked', () => {
    const flat = quantizeInput([0.5, -0.25, 1, 0], iface);
    expect(flat).toEqual([128n, toField(-64n), 256n, 0n]);
    expect(quantizeInput([[0.5, -0.25], [1, 0]], iface)).toEqual(flat);
    expect(quantizeInput([128n, -64n, 256n, 0n], iface)).toEqual(flat);
    expectCode(thrown(() => quantizeInput([1, 2, 3], iface)), 'Job.InvalidParams');
    expectCode(thrown(() => quantizeInput([128, 0, 0, 0], iface)), 'Job.InvalidParams'); // 128 · 2^8 ≥ 2^15
    expectCode(thrown(() => quantizeInput([Number.NaN, 0, 0, 0], iface)), 'Job.InvalidParams');
  });
});
