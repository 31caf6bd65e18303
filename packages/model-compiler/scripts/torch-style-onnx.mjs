// A JS stand-in for `torch.onnx.export` of a PyTorch MLP (torch cannot be installed on these
// machines). It writes the graph exactly in the shape the TorchScript-based exporter produces
// for
//
//   class MLP(nn.Module):
//       def __init__(self): self.fc1 = nn.Linear(..); self.fc2 = ...; self.relu = nn.ReLU()
//       def forward(self, x): return self.fcN(self.relu(... self.relu(self.fc1(x)) ...))
//
//   torch.onnx.export(model, torch.randn(1, n), "model.onnx", input_names=["input"],
//                     output_names=["output"], dynamic_axes={"input": {0: "batch_size"},
//                     "output": {0: "batch_size"}}, opset_version=17)
//
// i.e. ir_version 8, opset 17, producer "pytorch"; initializers "fcK.weight" ([out, in], float32
// raw data) and "fcK.bias"; nodes "/fcK/Gemm" (alpha = beta = 1, transB = 1) and "/relu/Relu",
// "/relu_1/Relu", … (one module called several times); input "input" and output "output" with
// the dynamic batch dimension "batch_size". Also usable for other ops (`extraNodes`) to make
// error fixtures.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

function floatTensor(name, dims, values) {
  const data = new Float32Array(values);
  return onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(data.buffer),
  });
}

function valueInfo(name, dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: onnx.TypeProto.create({
      tensorType: onnx.TypeProto.Tensor.create({
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: onnx.TensorShapeProto.create({
          dim: dims.map((d) => (typeof d === 'string'
            ? onnx.TensorShapeProto.Dimension.create({ dimParam: d })
            : onnx.TensorShapeProto.Dimension.create({ dimValue: d }))),
        }),
      }),
    }),
  });
}

const attrFloat = (name, f) => onnx.AttributeProto.create({ name, f, type: onnx.AttributeProto.AttributeType.FLOAT });
const attrInt = (name, i) => onnx.AttributeProto.create({ name, i, type: onnx.AttributeProto.AttributeType.INT });

/**
 * layers: [{ weights: number[out][in], biases: number[out] }, …]; ReLU between layers.
 * options.activation(k) may return another op type (e.g. 'Sigmoid') for the activation after
 * layer k (0-based), to build unsupported-op fixtures.
 */
export function torchStyleMlp(layers, options = {}) {
  const initializer = [];
  const node = [];
  let current = 'input';
  layers.forEach((layer, k) => {
    const out = layer.weights.length;
    const inp = layer.weights[0].length;
    const name = `fc${k + 1}`;
    initializer.push(floatTensor(`${name}.weight`, [out, inp], layer.weights.flat()));
    initializer.push(floatTensor(`${name}.bias`, [out], layer.biases));
    const last = k === layers.length - 1;
    const gemmOut = last ? 'output' : `/${name}/Gemm_output_0`;
    node.push(onnx.NodeProto.create({
      name: `/${name}/Gemm`,
      opType: 'Gemm',
      input: [current, `${name}.weight`, `${name}.bias`],
      output: [gemmOut],
      attribute: [attrFloat('alpha', 1), attrFloat('beta', 1), attrInt('transB', 1)],
    }));
    current = gemmOut;
    if (!last) {
      const op = options.activation?.(k) ?? 'Relu';
      const module = op === 'Relu' ? 'relu' : op.toLowerCase();
      const nodeName = k === 0 ? `/${module}/${op}` : `/${module}_${k}/${op}`;
      const actOut = `${nodeName}_output_0`;
      node.push(onnx.NodeProto.create({ name: nodeName, opType: op, input: [current], output: [actOut] }));
      current = actOut;
    }
  });
  const nIn = layers[0].weights[0].length;
  const nOut = layers[layers.length - 1].weights.length;
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'pytorch',
    producerVersion: '2.5.1',
    opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: 17 })],
    graph: onnx.GraphProto.create({
      name: 'main_graph',
      node,
      initializer,
      input: [valueInfo('input', ['batch_size', nIn])],
      output: [valueInfo('output', ['batch_size', nOut])],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Deterministic PRNG (mulberry32) with normal samples, for fixtures. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    const u = Math.max(next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
  };
  return { next, normal, uniform: (lo, hi) => lo + (hi - lo) * next() };
}

/** A PyTorch-initialised (U(−1/√in, 1/√in)) dense layer. */
export function randomLinear(rng, inputs, outputs) {
  const bound = 1 / Math.sqrt(inputs);
  return {
    weights: Array.from({ length: outputs }, () => Array.from({ length: inputs }, () => Math.fround(rng.uniform(-bound, bound)))),
    biases: Array.from({ length: outputs }, () => Math.fround(rng.uniform(-bound, bound))),
  };
}
