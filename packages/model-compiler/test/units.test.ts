import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  io,
  loadOnnx,
  ModelCompilerError,
  modelFromJson,
  modelToJson,
  ptauInfo,
  quantize,
  runFloat,
  runQuantized,
  sha256File,
} from '../src/index.js';
import { devPtau, fixtures, onnx, patchModel, readJsonFile } from './helpers.js';

const torchOnnx = readFileSync(join(fixtures, 'torch-mlp', 'model.onnx'));
const sklearnOnnx = readFileSync(join(fixtures, 'sklearn-mlp', 'model.onnx'));
const torchCalibration = readJsonFile<number[][]>(join(fixtures, 'torch-mlp', 'calibration.json'));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelCompilerError) return e.code;
    throw e;
  }
  return undefined;
}

function errorOf(f: () => unknown): ModelCompilerError {
  try {
    f();
  } catch (e) {
    if (e instanceof ModelCompilerError) return e;
    throw e;
  }
  throw new Error('expected a ModelCompilerError');
}

describe('committed dev powers of tau', () => {
  test('matches its recorded sha256 and is a prepared 2^11 ptau', async () => {
    const recorded = readFileSync(`${devPtau}.sha256`, 'utf8').trim();
    expect(recorded).toMatch(/^[0-9a-f]{64}$/);
    expect(await sha256File(devPtau)).toBe(recorded);
    expect(createHash('sha256').update(readFileSync(devPtau)).digest('hex')).toBe(recorded);
    expect(await ptauInfo(devPtau)).toEqual({ power: 11, prepared: true });
  });
});

describe('io rule', () => {
  test('quantizes halves away from zero, exactly', () => {
    expect(io.quantizeNumber(1.5, 0)).toBe(2n);
    expect(io.quantizeNumber(-1.5, 0)).toBe(-2n);
    expect(io.quantizeNumber(2.5, 0)).toBe(3n);
    expect(io.quantizeNumber(0.1, 16)).toBe(6554n); // 6553.6
    expect(io.quantizeNumber(-0.1, 16)).toBe(-6554n);
    expect(io.quantizeNumber(1 / 3, 20)).toBe(349525n);
    expect(() => io.quantizeNumber(Number.NaN, 4)).toThrow(ModelCompilerError);
  });

  test('field encoding round-trips negatives', () => {
    expect(io.toField(-1n)).toBe(io.BN254_R - 1n);
    expect(io.fromField((io.BN254_R - 5n).toString())).toBe(-5n);
    expect(io.decodeOutputs({ outputScaleBits: 4 }, [(io.BN254_R - 8n).toString(), '24'])).toEqual([-0.5, 1.5]);
  });

  test('flat and nested inputs; wrong shapes are typed errors', () => {
    expect(io.flattenInput([[1, 2, 3], [4, 5, 6]], [2, 3])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(io.flattenInput([1, 2, 3, 4, 5, 6], [2, 3])).toEqual([1, 2, 3, 4, 5, 6]);
    expect(errorOf(() => io.flattenInput([[1, 2], [3, 4]], [2, 3])).code).toBe('Model.ShapeMismatch');
    expect(errorOf(() => io.flattenInput([1, 2, 3], [6])).message).toMatch(/length 6/);
    expect(codeOf(() => io.flattenInput({ x: 1 }, [1]))).toBe('Model.ShapeMismatch');
    expect(codeOf(() => io.flattenInput([1, '2'], [2]))).toBe('Model.ShapeMismatch');
  });
});

describe('ONNX loading', () => {
  test('torch.onnx.export-shaped MLP: three Gemm layers, two ReLU', () => {
    const g = loadOnnx(torchOnnx);
    expect(g.producer.name).toBe('pytorch');
    expect(g.opset).toBe(17);
    expect(g.inputName).toBe('input');
    expect(g.inputShape).toEqual([6]);
    expect(g.batched).toBe(true);
    expect(g.layers.map((l) => [l.name, l.inputs, l.outputs, l.relu])).toEqual([
      ['/fc1/Gemm', 6, 16, true],
      ['/fc2/Gemm', 16, 8, true],
      ['/fc3/Gemm', 8, 4, false],
    ]);
    expect(g.postprocess).toBeNull();
    expect(g.graphOutputs).toEqual([{ name: 'output', kind: 'logits' }]);
  });

  test('skl2onnx MLPClassifier: MatMul + Add layers, label mapping outside the proof', () => {
    const g = loadOnnx(sklearnOnnx);
    expect(g.producer.name).toBe('skl2onnx');
    expect(g.layers.map((l) => [l.ops, l.inputs, l.outputs, l.relu])).toEqual([
      [['MatMul', 'Add', 'Relu'], 4, 8, true],
      [['MatMul', 'Add'], 8, 3, false],
    ]);
    expect(g.postprocess).toMatchObject({ softmax: true, argmax: true, labels: [0, 1, 2] });
    expect(g.postprocess!.ops).toEqual(expect.arrayContaining(['Softmax', 'ArgMax', 'ArrayFeatureExtractor', 'ZipMap', 'Cast', 'Reshape']));
    expect(g.graphOutputs.map((o) => o.kind)).toEqual(['postprocess', 'postprocess']);
  });

  test('an unsupported op names its type and node', () => {
    const e = errorOf(() => loadOnnx(readFileSync(join(fixtures, 'torch-mlp', 'sigmoid.onnx'))));
    expect(e.code).toBe('Model.UnsupportedOp');
    expect(e.details).toEqual({ opType: 'Sigmoid', nodeName: '/sigmoid/Sigmoid' });
    expect(e.message).toContain('Sigmoid');
    expect(e.message).toContain('/sigmoid/Sigmoid');
  });

  test('Gemm with transA = 1 is an unsupported attribute naming the node', () => {
    const bytes = patchModel(torchOnnx, (m) => {
      m.graph!.node![0]!.attribute!.push(onnx.AttributeProto.create({ name: 'transA', i: 1, type: onnx.AttributeProto.AttributeType.INT }));
    });
    const e = errorOf(() => loadOnnx(bytes));
    expect(e.code).toBe('Model.UnsupportedAttribute');
    expect(e.details).toEqual({ opType: 'Gemm', nodeName: '/fc1/Gemm' });
    expect(e.message).toMatch(/transA/);
  });

  test('a Conv node is an unsupported op', () => {
    const bytes = patchModel(torchOnnx, (m) => {
      m.graph!.node![1]!.opType = 'Conv';
      m.graph!.node![1]!.name = '/conv1/Conv';
    });
    expect(errorOf(() => loadOnnx(bytes)).details).toEqual({ opType: 'Conv', nodeName: '/conv1/Conv' });
  });

  test('malformed bytes are a typed error', () => {
    expect(codeOf(() => loadOnnx(readFileSync(join(fixtures, 'torch-mlp', 'truncated.onnx'))))).toBe('Model.MalformedOnnx');
    expect(codeOf(() => loadOnnx(new TextEncoder().encode('definitely not an onnx file')))).toBe('Model.MalformedOnnx');
    expect(codeOf(() => loadOnnx(new Uint8Array(0)))).toBe('Model.MalformedOnnx');
  });
});

describe('quantization', () => {
  const graph = loadOnnx(torchOnnx);
  const model = quantize(graph, torchCalibration);

  test('scales and range bits come from the calibration; the evaluator stays within the worst-case bound', () => {
    expect(model.io.inputShape).toEqual([6]);
    expect(model.io.outputSize).toBe(4);
    for (const l of model.layers) {
      expect(l.shiftBits).toBe(l.inputScaleBits + l.weightScaleBits - l.outputScaleBits);
      expect(l.shiftBits).toBeGreaterThanOrEqual(1);
      // the calibrated maximum times the 4x margin fits the signed range, with no more than 1 spare bit
      const maxQ = Number(l.calibratedMaxAbsQuantized);
      expect(maxQ * 4).toBeLessThan(2 ** (l.rangeBits - 1));
      expect(maxQ * 4).toBeGreaterThanOrEqual(2 ** (l.rangeBits - 3));
    }
    expect(model.expectedError.argmaxAgreement).toBe(1);
    model.expectedError.maxAbsError.forEach((e, i) => expect(e).toBeLessThanOrEqual(model.expectedError.worstCaseBound[i]!));
  });

  test('model.json round-trips; malformed model files are rejected', () => {
    const json = modelToJson(model);
    const back = modelFromJson(JSON.parse(JSON.stringify(json)));
    expect(runQuantized(back, torchCalibration[3]).outputs).toEqual(runQuantized(model, torchCalibration[3]).outputs);
    const broken = JSON.parse(JSON.stringify(json)) as { layers: { weights: string[][] }[] };
    broken.layers[0]!.weights[0]![0] = '1.5';
    expect(codeOf(() => modelFromJson(broken))).toBe('Model.InvalidModelDir');
    expect(codeOf(() => modelFromJson({ ...(json as object), format: 'other' }))).toBe('Model.InvalidModelDir');
  });

  test('calibration sets are validated', () => {
    expect(codeOf(() => quantize(graph, []))).toBe('Model.InvalidCalibration');
    expect(codeOf(() => quantize(graph, { inputs: [] }))).toBe('Model.InvalidCalibration');
    const e = errorOf(() => quantize(graph, [[1, 2, 3, 4, 5, 6], [1, 2, 3]]));
    expect(e.code).toBe('Model.ShapeMismatch');
    expect(e.message).toMatch(/calibration input 1/);
    expect(codeOf(() => quantize(graph, [[1, 2, 3, 4, 5, Number.NaN]]))).toBe('Model.InvalidCalibration');
  });

  test('out-of-range inputs and activations are typed errors before any proving', () => {
    const limit = 2 ** (model.io.inputRangeBits - 1 - model.io.inputScaleBits);
    const tooBig = limit * 1.01;
    const inErr = errorOf(() => runQuantized(model, [tooBig, 0, 0, 0, 0, 0]));
    expect(inErr.code).toBe('Model.InputOutOfRange');
    expect(inErr.message).not.toContain(String(tooBig)); // inputs may be private: never in messages
    // Inside the input range, aligned with the neuron of largest Σ|W|: the first layer overflows its calibrated range.
    const first = graph.layers[0]!;
    const i = first.weights.map((row) => row.reduce((a, w) => a + Math.abs(w), 0)).reduce((best, v, k, all) => (v > all[best]! ? k : best), 0);
    const x = first.weights[i]!.map((w) => Math.sign(w) * limit * 0.99);
    const e = errorOf(() => runQuantized(model, x));
    expect(e.code).toBe('Model.ActivationOutOfRange');
    expect(e.details).toMatchObject({ layer: 0 });
    expect(e.message).toMatch(/no witness/);
  });

  test('the quantized evaluator tracks the float network', () => {
    for (const x of torchCalibration.slice(0, 20)) {
      const f = runFloat(graph, x);
      const q = runQuantized(model, x).decoded;
      f.forEach((v, k) => expect(Math.abs(v - q[k]!)).toBeLessThanOrEqual(model.expectedError.worstCaseBound[k]!));
    }
  });
});

describe('dev powers of tau', () => {
  test('stages are resumable: an interrupted run continues from its last finished stage', async () => {
    const { mkdtempSync, readdirSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { devPtau, devPtauPath, terminateSnarkjs } = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'modelproof-ptau-'));
    try {
      const lines: string[] = [];
      const stage2 = await devPtau(4, { dir, untilStage: 2, progress: (l) => lines.push(l) });
      expect(stage2).toBe(join(dir, 'dev-pow4.stage1.ptau'));
      expect(readdirSync(dir).sort()).toEqual(['dev-pow4.stage0.ptau', 'dev-pow4.stage1.ptau']);
      expect(lines.filter((l) => /stage \d\/4:/.test(l))).toHaveLength(2);
      const resumed: string[] = [];
      const final = await devPtau(4, { dir, progress: (l) => resumed.push(l) });
      expect(final).toBe(devPtauPath(4, dir));
      expect(resumed).toContain('ptau: resuming after stage 2/4 (contribution (random entropy))');
      expect(resumed.filter((l) => /stage \d\/4:/.test(l)).map((l) => /stage (\d)\/4/.exec(l)![1])).toEqual(['3', '4']);
      expect(readdirSync(dir)).toEqual(['dev-pow4.ptau']);
      expect(await ptauInfo(final)).toEqual({ power: 4, prepared: true });
      // cached from now on
      const again: string[] = [];
      expect(await devPtau(4, { dir, progress: (l) => again.push(l) })).toBe(final);
      expect(again).toEqual([`ptau: using cached ${final}`]);
    } finally {
      await terminateSnarkjs();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('choosing the phase-1 file', () => {
  test('the smallest cached dev ptau that fits; an explicit file must be prepared and big enough', async () => {
    const { copyFileSync, mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { resolvePtau } = await import('../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'modelproof-ptau-cache-'));
    try {
      copyFileSync(devPtau, join(dir, 'dev-pow11.ptau'));
      await expect(resolvePtau(9, { dir })).resolves.toMatchObject({ file: join(dir, 'dev-pow11.ptau'), power: 11, source: 'dev-cache' });
      await expect(resolvePtau(11, { explicit: devPtau })).resolves.toMatchObject({ power: 11, source: 'file' });
      await expect(resolvePtau(12, { explicit: devPtau })).rejects.toMatchObject({ code: 'Model.PtauMismatch', message: expect.stringMatching(/needs 2\^12/) });
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'junk.ptau'), 'not a ptau');
      await expect(resolvePtau(4, { explicit: join(dir, 'junk.ptau') })).rejects.toMatchObject({ code: 'Model.PtauMismatch' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('graph normalisation against onnxruntime-node', () => {
  test.each(['Flatten', 'x.view(x.size(0), -1)'])('%s, Gemm (transB = 0, alpha, beta, [1, N] bias), Reshape, MatMul without bias fold to the same function', async (flatten) => {
    const { ortRun } = await import('./helpers.js');
    const T = onnx.TensorProto;
    const f32 = (name: string, dims: number[], values: number[]) =>
      T.create({ name, dims, dataType: T.DataType.FLOAT, rawData: new Uint8Array(new Float32Array(values).buffer) });
    const i64 = (name: string, values: number[]) => T.create({ name, dims: [values.length], dataType: T.DataType.INT64, int64Data: values });
    const vi = (name: string, dims: (number | string)[]) => onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: T.DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
    });
    const A = onnx.AttributeProto.AttributeType;
    const vals = (n: number, seed: number) => Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * 0.8);
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'test',
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        input: [vi('x', ['N', 2, 3])],
        output: [vi('y', ['N', 2])],
        initializer: [f32('B', [6, 4], vals(24, 1)), f32('C', [1, 4], vals(4, 2)), i64('shape', [-1, 4]), f32('M', [4, 2], vals(8, 3)), i64('zero', [0]), i64('minus1', [-1])],
        node: [
          ...(flatten === 'Flatten'
            ? [{ name: 'flat', opType: 'Flatten', input: ['x'], output: ['x_flat'], attribute: [{ name: 'axis', i: 1, type: A.INT }] }]
            : [ // what torch.onnx.export writes for x.view(x.size(0), -1)
              { name: '/Shape', opType: 'Shape', input: ['x'], output: ['s'] },
              { name: '/Constant', opType: 'Constant', input: [], output: ['c0'], attribute: [{ name: 'value', t: T.create({ dims: [], dataType: T.DataType.INT64, int64Data: [0] }), type: A.TENSOR }] },
              { name: '/Gather', opType: 'Gather', input: ['s', 'c0'], output: ['n'], attribute: [{ name: 'axis', i: 0, type: A.INT }] },
              { name: '/Unsqueeze', opType: 'Unsqueeze', input: ['n', 'zero'], output: ['n1'] },
              { name: '/Concat', opType: 'Concat', input: ['n1', 'minus1'], output: ['target'], attribute: [{ name: 'axis', i: 0, type: A.INT }] },
              { name: '/Reshape', opType: 'Reshape', input: ['x', 'target'], output: ['x_flat'] },
            ]),
          { name: 'gemm', opType: 'Gemm', input: ['x_flat', 'B', 'C'], output: ['h'], attribute: [{ name: 'alpha', f: 0.5, type: A.FLOAT }, { name: 'beta', f: 2, type: A.FLOAT }] },
          { name: 'relu', opType: 'Relu', input: ['h'], output: ['h_relu'] },
          { name: 'reshape', opType: 'Reshape', input: ['h_relu', 'shape'], output: ['h_row'] },
          { name: 'id', opType: 'Identity', input: ['h_row'], output: ['h_id'] },
          { name: 'matmul', opType: 'MatMul', input: ['h_id', 'M'], output: ['y'] },
        ],
      },
    });
    const bytes = onnx.ModelProto.encode(model).finish();
    const g = loadOnnx(bytes);
    expect(g.inputShape).toEqual([2, 3]);
    expect(g.layers.map((l) => [l.ops, l.inputs, l.outputs, l.relu])).toEqual([[['Gemm', 'Relu'], 6, 4, true], [['MatMul'], 4, 2, false]]);
    const xs = Array.from({ length: 30 }, (_, n) => vals(6, 10 + n).map((v) => v * 3));
    const ref = (await ortRun(bytes, 'x', xs, ['y'], [2, 3])).y!;
    // nested inputs ([2][3]) work like flat ones
    const nested = xs.map((x) => [x.slice(0, 3), x.slice(3)]);
    const q = quantize(g, nested);
    xs.forEach((x, n) => {
      const f = runFloat(g, x);
      f.forEach((v, k) => expect(Math.abs(v - ref[n * 2 + k]!)).toBeLessThan(1e-5));
      const qy = runQuantized(q, nested[n]).decoded;
      qy.forEach((v, k) => expect(Math.abs(v - ref[n * 2 + k]!)).toBeLessThanOrEqual(q.expectedError.worstCaseBound[k]! + 1e-5));
    });
  });
});
