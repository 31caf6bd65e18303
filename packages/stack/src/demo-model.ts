/**
 * The demo classifier of the local stack: `packages/model-compiler/examples/blobs-classifier`
 * (8 inputs → 16 → 4 classes, trained on generated data, exported in torch.onnx.export's
 * shape), compiled by `modelproof-model` into `packages/stack/demo-model/` (committed;
 * `node scripts/demo-model.mjs build` regenerates it, `npm test` fails when it is stale).
 *
 * The stack is repository tooling, so it reads these files from the repository; the worker and
 * the SDK never do: the worker gets the proving artifacts from the model's encrypted bundle.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { type CompiledModelArtifacts, type ModelInterface, compiledModelFromFiles } from '@modelproof/sdk/models';
import { type InferenceSession, Tensor } from 'onnxruntime-node';
import * as ort from 'onnxruntime-node';

/** `packages/stack` (the same from `src/` and `dist/`). */
const PACKAGE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO = path.resolve(PACKAGE, '..', '..');

/** Where the compiled demo model is. */
export const DEMO_MODEL_DIR = path.join(PACKAGE, 'demo-model');
/** The demo model's ONNX source, its held-out set and class names. */
export const DEMO_MODEL_SOURCE = path.join(REPO, 'packages', 'model-compiler', 'examples', 'blobs-classifier');

export interface DemoModel {
  artifacts: CompiledModelArtifacts;
  modelInterface: ModelInterface;
  /** Class names by output index. */
  classes: string[];
  /** Held-out inputs and their true classes. */
  heldOut: { inputs: number[][]; labels: number[] };
  /** Largest output error the compiler guarantees, per output (report.json). */
  worstCaseBound: number[];
  /** The model's constraint count. */
  constraints: number;
}

/** Loads the compiled demo model and its held-out data. */
export async function loadDemoModel(dir: string = DEMO_MODEL_DIR): Promise<DemoModel> {
  const read = (f: string) => readFile(path.join(dir, f)).then((b) => new Uint8Array(b));
  const [json, wasm, zkey, vk, reportBytes, testBytes] = await Promise.all([
    read('model.json'),
    read('model.wasm'),
    read('model.zkey'),
    read('vk.bin'),
    readFile(path.join(dir, 'report.json'), 'utf8'),
    readFile(path.join(DEMO_MODEL_SOURCE, 'test.json'), 'utf8'),
  ]);
  const { artifacts, modelInterface } = compiledModelFromFiles({ 'model.json': json, 'model.wasm': wasm, 'model.zkey': zkey, 'vk.bin': vk });
  const report = JSON.parse(reportBytes) as { expectedError: { worstCaseBound: number[] }; circuit: { constraints: number } };
  const test = JSON.parse(testBytes) as { inputs: number[][]; labels: number[]; classes: string[] };
  return {
    artifacts,
    modelInterface,
    classes: test.classes,
    heldOut: { inputs: test.inputs, labels: test.labels },
    worstCaseBound: report.expectedError.worstCaseBound,
    constraints: report.circuit.constraints,
  };
}

/** The float model (the ONNX file) run by onnxruntime: the reference the verified outputs are compared with. */
export class OnnxReference {
  private constructor(private readonly session: InferenceSession) {}

  static async open(file: string = path.join(DEMO_MODEL_SOURCE, 'model.onnx')): Promise<OnnxReference> {
    return new OnnxReference(await ort.InferenceSession.create(file));
  }

  async run(input: number[]): Promise<number[]> {
    const name = this.session.inputNames[0]!;
    const out = await this.session.run({ [name]: new Tensor('float32', Float32Array.from(input), [1, input.length]) });
    return Array.from(out[this.session.outputNames[0]!]!.data as Float32Array);
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
