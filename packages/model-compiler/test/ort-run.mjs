// Runs an ONNX model with onnxruntime-node in a plain Node process (jest's VM context has its own
// typed-array constructors, which onnxruntime-node's native binding rejects).
// stdin: { "model": base64, "inputName": s, "inputs": number[][] (flat), "shape"?: number[] (per input), "fetches": string[] }
// stdout: { "<fetch>": number[] (flattened) }
import * as ort from 'onnxruntime-node';

let text = '';
for await (const chunk of process.stdin) text += chunk;
const req = JSON.parse(text);
const session = await ort.InferenceSession.create(Buffer.from(req.model, 'base64'));
const n = req.inputs.length;
const width = req.inputs[0].length;
const feed = new ort.Tensor('float32', Float32Array.from(req.inputs.flat()), [n, ...(req.shape ?? [width])]);
const out = await session.run({ [req.inputName]: feed }, req.fetches);
const result = {};
for (const name of req.fetches) result[name] = Array.from(out[name].data, (v) => Number(v));
await session.release();
process.stdout.write(JSON.stringify(result));
