// onnxruntime-node in a process of its own: jest runs tests in a separate realm, and the native
// binding's typed arrays then fail onnxruntime's own `instanceof Float32Array` checks.
// stdin: {"model": "<path of an .onnx file>", "inputs": [[...], ...]}; stdout: [[...outputs], ...]
// (the first graph output, one row per input, float32 → JSON numbers).
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';

const { model, inputs } = JSON.parse(readFileSync(0, 'utf8'));
const session = await ort.InferenceSession.create(model);
const rows = [];
for (const x of inputs) {
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x), [1, x.length]) });
  rows.push(Array.from(out[session.outputNames[0]].data));
}
await session.release();
process.stdout.write(JSON.stringify(rows));
