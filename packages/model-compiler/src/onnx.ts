/**
 * ONNX → a normalised dense network.
 *
 * `loadOnnx(bytes)` decodes a ModelProto (onnx-proto) and folds its graph into a chain of dense
 * layers `y = W·x + b` (Gemm, MatMul + Add), each optionally followed by ReLU, with
 * Identity / Flatten / Reshape (on one batch row; shape arithmetic on constants folded) / float Cast
 * folded away. What follows the last
 * linear layer and only serves classification — Softmax, ArgMax and skl2onnx's label mapping
 * (ArrayFeatureExtractor over the classes, Cast, Reshape, ZipMap) — is recorded as
 * `postprocess` and run outside the proof. Anything else is an error naming the op and its node.
 */
import onnxProto from 'onnx-proto';

import { ModelCompilerError } from './errors.js';

const { onnx } = onnxProto;
type TensorProto = onnxProto.onnx.ITensorProto;
type NodeProto = onnxProto.onnx.INodeProto;
type AttributeProto = onnxProto.onnx.IAttributeProto;

/** A dense layer `y = W·x + b` (`weights[out][in]`), optionally followed by ReLU. */
export interface DenseLayer {
  /** Name(s) of the ONNX node(s) folded into this layer, e.g. `/fc1/Gemm` or `MatMul+Add`. */
  name: string;
  /** The folded ONNX ops, e.g. `["MatMul", "Add", "Relu"]`. */
  ops: string[];
  inputs: number;
  outputs: number;
  /** `weights[i][j]` multiplies input j for output i. */
  weights: number[][];
  biases: number[];
  relu: boolean;
}

/** Classifier post-processing that runs outside the proof, on the circuit's outputs (logits). */
export interface Postprocess {
  /** The ONNX ops after the logits, in graph order (e.g. `["Softmax", "ArgMax", "ZipMap"]`). */
  ops: string[];
  /** Whether the model applies softmax to the logits (probabilities = softmax(outputs)). */
  softmax: boolean;
  /** Whether the model takes the argmax (a predicted class). */
  argmax: boolean;
  /** Class labels indexed by argmax (skl2onnx's classes), when the model maps them. */
  labels?: (string | number)[];
}

/** A model normalised to dense layers. */
export interface DenseGraph {
  producer: { name: string; version: string };
  opset: number;
  inputName: string;
  /** Input shape without the batch dimension. */
  inputShape: number[];
  /** Whether the ONNX input has a leading batch dimension (dynamic or 1). */
  batched: boolean;
  /** Name of the tensor the circuit outputs (the logits). */
  outputName: string;
  /** ONNX graph outputs and whether each is the logits tensor or a post-processed one. */
  graphOutputs: { name: string; kind: 'logits' | 'postprocess' }[];
  layers: DenseLayer[];
  postprocess: Postprocess | null;
  /** Count of each ONNX op type in the graph. */
  opCounts: Record<string, number>;
}

const POSTPROCESS_OPS = new Set(['Softmax', 'ArgMax', 'ArrayFeatureExtractor', 'Cast', 'Reshape', 'ZipMap', 'Identity', 'Flatten']);
const FLOAT = 1;
const DOUBLE = 11;

interface Const { kind: 'const'; dims: number[]; data: (number | string)[] }
/** The chain's activation: `shape` without the batch dimension; `layer` = the dense layer whose output it is. */
interface Act { kind: 'act'; size: number; shape: number[]; layer: number | null; relu: boolean }
interface Post { kind: 'post' }
type Value = Const | Act | Post;

function num(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x && typeof (x as { toNumber?: () => number }).toNumber === 'function') return (x as { toNumber(): number }).toNumber();
  return Number(x);
}

function nodeLabel(node: NodeProto, index: number): string {
  return node.name && node.name.length > 0 ? node.name : `#${index}`;
}

function malformed(message: string, details?: Record<string, unknown>): never {
  throw new ModelCompilerError('Model.MalformedOnnx', message, details ? { details } : undefined);
}

function tensorValues(t: TensorProto, what: string): Const {
  const dims = (t.dims ?? []).map(num);
  const count = dims.reduce((a, b) => a * b, 1);
  const type = t.dataType ?? 0;
  let data: (number | string)[];
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    malformed(`tensor ${what} uses external data, which is not supported: save the model with its weights inside`);
  }
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const fromRaw = (width: number, read: (v: DataView, o: number) => number): number[] => {
    if (!view || raw!.length !== count * width) malformed(`tensor ${what}: raw data has ${raw!.length} bytes, expected ${count * width}`);
    return Array.from({ length: count }, (_, i) => read(view!, i * width));
  };
  switch (type) {
    case onnx.TensorProto.DataType.FLOAT:
      data = view ? fromRaw(4, (v, o) => v.getFloat32(o, true)) : (t.floatData ?? []).map((v) => Math.fround(v));
      break;
    case onnx.TensorProto.DataType.DOUBLE:
      data = view ? fromRaw(8, (v, o) => v.getFloat64(o, true)) : (t.doubleData ?? []).slice();
      break;
    case onnx.TensorProto.DataType.INT64:
      data = view ? fromRaw(8, (v, o) => Number(v.getBigInt64(o, true))) : (t.int64Data ?? []).map(num);
      break;
    case onnx.TensorProto.DataType.INT32:
      data = view ? fromRaw(4, (v, o) => v.getInt32(o, true)) : (t.int32Data ?? []).map(num);
      break;
    case onnx.TensorProto.DataType.STRING:
      data = (t.stringData ?? []).map((b) => new TextDecoder().decode(b));
      break;
    default:
      malformed(`tensor ${what} has data type ${type}, which is not supported (float, double, int32, int64, string)`);
  }
  if (data.length !== count) malformed(`tensor ${what} has ${data.length} values, its dims ${JSON.stringify(dims)} need ${count}`);
  return { kind: 'const', dims, data };
}

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

function attrInt(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a ? num(a.i) : dflt;
}

function attrFloat(node: NodeProto, name: string, dflt: number): number {
  const a = attr(node, name);
  return a ? Math.fround(a.f ?? 0) : dflt;
}

/** Decodes ONNX bytes; throws `Model.MalformedOnnx` when they are not a ModelProto with a graph. */
export function decodeModelProto(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelCompilerError('Model.MalformedOnnx', `not a valid ONNX model: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) malformed('not a valid ONNX model: it has no graph nodes');
  return model;
}

/** Parses ONNX bytes into a {@link DenseGraph}. */
export function loadOnnx(bytes: Uint8Array): DenseGraph {
  const model = decodeModelProto(bytes);
  const graph = model.graph!;
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const values = new Map<string, Value>();
  for (const t of graph.initializer ?? []) {
    if (!t.name) malformed('an initializer has no name');
    values.set(t.name, tensorValues(t, t.name));
  }

  // The one graph input that is not an initializer.
  const inputs = (graph.input ?? []).filter((i) => i.name && !values.has(i.name));
  if (inputs.length !== 1) {
    throw new ModelCompilerError('Model.UnsupportedGraph', `the model must have exactly one (non-initializer) input, it has ${inputs.length}: ${inputs.map((i) => i.name).join(', ')}`);
  }
  const input = inputs[0]!;
  const tensorType = input.type?.tensorType;
  if (!tensorType) throw new ModelCompilerError('Model.UnsupportedGraph', `input ${input.name} is not a tensor`);
  if (tensorType.elemType !== FLOAT && tensorType.elemType !== DOUBLE) {
    throw new ModelCompilerError('Model.UnsupportedGraph', `input ${input.name} must be a float tensor (element type ${tensorType.elemType})`);
  }
  const dims = (tensorType.shape?.dim ?? []).map((d) => (d.dimValue !== undefined && d.dimValue !== null && num(d.dimValue) > 0 ? num(d.dimValue) : null));
  if (dims.length === 0) throw new ModelCompilerError('Model.UnsupportedGraph', `input ${input.name} has no shape`);
  let batched = false;
  let inputShape: number[];
  if (dims.length >= 2) {
    if (dims[0] !== null && dims[0] !== 1) {
      throw new ModelCompilerError('Model.UnsupportedGraph', `input ${input.name}: the first dimension is the batch and must be dynamic or 1, got ${dims[0]}`);
    }
    batched = true;
    inputShape = dims.slice(1) as number[];
  } else {
    inputShape = dims as number[];
  }
  if (inputShape.some((d) => d === null)) {
    throw new ModelCompilerError('Model.UnsupportedGraph', `input ${input.name}: only the batch dimension may be dynamic (shape ${JSON.stringify(dims)})`);
  }
  const inputSize = inputShape.reduce((a, b) => a * b, 1);
  values.set(input.name!, { kind: 'act', size: inputSize, shape: inputShape.slice(), layer: null, relu: false });

  const layers: DenseLayer[] = [];
  const opCounts: Record<string, number> = {};
  let current = input.name!; // the chain's latest activation tensor
  let logits: string | null = null;
  const postOps: string[] = [];
  let labels: (string | number)[] | undefined;

  const nodes = graph.node ?? [];
  nodes.forEach((node, index) => {
    const op = node.opType ?? '';
    const label = nodeLabel(node, index);
    opCounts[op] = (opCounts[op] ?? 0) + 1;
    if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'ai.onnx.ml') {
      throw new ModelCompilerError('Model.UnsupportedOp', `unsupported op ${node.domain}.${op} (node ${label})`, { details: { opType: op, nodeName: label } });
    }
    const ins = (node.input ?? []).map((n) => (n === '' ? undefined : n));
    const outs = node.output ?? [];
    const get = (name: string | undefined): Value | undefined => (name === undefined ? undefined : values.get(name));
    const need = (i: number): Value => {
      const name = ins[i];
      const v = get(name);
      if (!v) malformed(`node ${label} (${op}) reads tensor ${name ?? `#${i}`}, which no earlier node or initializer defines`);
      return v;
    };
    const unsupportedAttr = (what: string): ModelCompilerError =>
      new ModelCompilerError('Model.UnsupportedAttribute', `${op} node ${label}: ${what}`, { details: { opType: op, nodeName: label } });
    const set = (v: Value): void => {
      if (outs.length < 1 || !outs[0]) malformed(`node ${label} (${op}) has no output`);
      values.set(outs[0]!, v);
    };
    const chainInput = (v: Value, i: number): Act => {
      if (v.kind !== 'act') throw unsupportedAttr(`operand ${i} must be the activation, got a ${v.kind === 'const' ? 'constant' : 'post-processed tensor'}`);
      if (ins[i] !== current) {
        throw new ModelCompilerError('Model.UnsupportedGraph', `${op} node ${label} reads ${ins[i]}, not the latest activation ${current}: only a single chain of layers is supported`, { details: { opType: op, nodeName: label } });
      }
      if (logits !== null) {
        throw new ModelCompilerError('Model.UnsupportedGraph', `${op} node ${label} continues the network after the post-processing started`, { details: { opType: op, nodeName: label } });
      }
      return v;
    };
    const isActOrPost = (v: Value | undefined): boolean => v !== undefined && v.kind !== 'const';

    if (op === 'Constant') {
      const a = attr(node, 'value');
      if (!a?.t) throw unsupportedAttr('only the `value` (tensor) form of Constant is supported');
      set(tensorValues(a.t!, outs[0] ?? label));
      return;
    }
    // Ops on constants only (shape tensors and the like): Identity passes them through.
    if (op === 'Identity' && get(ins[0])?.kind === 'const') {
      set(need(0));
      return;
    }
    // Shape arithmetic on constants (e.g. `x.view(x.size(0), -1)` exports Shape -> Gather ->
    // Unsqueeze -> Concat -> Reshape): folded, with the batch dimension taken as 1.
    if (op === 'Shape') {
      const v = need(0);
      if (v.kind !== 'act') throw unsupportedAttr('only the shape of the activation is supported');
      if (attr(node, 'start') || attr(node, 'end')) throw unsupportedAttr('start / end are not supported');
      const dims = batched ? [1, ...v.shape] : v.shape.slice();
      set({ kind: 'const', dims: [dims.length], data: dims });
      return;
    }
    if (FOLDABLE.has(op) && ins.every((n) => n === undefined || get(n)?.kind === 'const') && ins.length > 0) {
      set(foldConst(op, node, ins.map((n) => (n === undefined ? undefined : (get(n) as Const | undefined))), (what) => unsupportedAttr(what)));
      return;
    }
    const first = need(0);
    // Post-processing: everything downstream of the logits.
    const startsPost = (op === 'Softmax' || op === 'ArgMax' || op === 'ZipMap') && first.kind === 'act';
    const continuesPost = POSTPROCESS_OPS.has(op) && (first.kind === 'post' || (op === 'ArrayFeatureExtractor' && isActOrPost(get(ins[1]))));
    if (startsPost || continuesPost) {
      if (first.kind === 'act') {
        if (ins[0] !== current) {
          throw new ModelCompilerError('Model.UnsupportedGraph', `${op} node ${label} reads ${ins[0]}, not the network's output ${current}`, { details: { opType: op, nodeName: label } });
        }
        if (logits !== null && logits !== current) malformed(`two different logits tensors (${logits}, ${current})`);
        logits = current;
      }
      if (op === 'ArrayFeatureExtractor') {
        if (first.kind !== 'const') throw unsupportedAttr('the class table must be a constant');
        labels = first.data.slice();
      }
      if (op === 'Softmax') {
        const axis = attrInt(node, 'axis', -1);
        if (axis !== -1 && axis !== 1) throw unsupportedAttr(`axis ${axis} (only the class axis, -1 or 1)`);
      }
      if (op === 'ArgMax') {
        const axis = attrInt(node, 'axis', 0);
        if (axis !== -1 && axis !== 1) throw unsupportedAttr(`axis ${axis} (only the class axis, -1 or 1)`);
        if (attrInt(node, 'select_last_index', 0) !== 0) throw unsupportedAttr('select_last_index = 1');
      }
      postOps.push(op);
      for (const o of outs) if (o) values.set(o, { kind: 'post' });
      return;
    }

    switch (op) {
      case 'Identity':
      case 'Flatten':
      case 'Cast':
      case 'Reshape': {
        const a = chainInput(first, 0);
        if (op === 'Cast') {
          const to = attrInt(node, 'to', 0);
          if (to !== FLOAT && to !== DOUBLE) throw unsupportedAttr(`a cast of the activation to element type ${to} (only float)`);
        }
        if (op === 'Flatten') {
          const axis = attrInt(node, 'axis', 1);
          if (axis !== 1 && !(axis === 0 && !batched)) throw unsupportedAttr(`axis ${axis} (only 1: keep the batch row)`);
        }
        if (op === 'Reshape') {
          const shape = need(1);
          if (shape.kind !== 'const') throw unsupportedAttr('the target shape must be a constant');
          const target = shape.data.map(Number);
          const known = target.filter((d) => d > 0).reduce((x, y) => x * y, 1);
          const ok = (target.length === 1 && (target[0] === a.size || target[0] === -1))
            || (target.length === 2 && (target[0] === 1 || target[0] === -1 || target[0] === 0) && (target[1] === a.size || (target[1] === -1 && known === 1)));
          if (!ok) throw unsupportedAttr(`shape ${JSON.stringify(target)}: only a reshape to one row of ${a.size} values is supported`);
        }
        set({ kind: 'act', size: a.size, shape: op === 'Identity' || op === 'Cast' ? a.shape : [a.size], layer: a.layer, relu: a.relu });
        current = outs[0]!;
        return;
      }
      case 'Gemm': {
        const a = chainInput(first, 0);
        const B = need(1);
        if (B.kind !== 'const') throw unsupportedAttr('B must be a constant (an initializer)');
        if (attrInt(node, 'transA', 0) !== 0) throw unsupportedAttr('transA = 1 is not supported');
        const transB = attrInt(node, 'transB', 0);
        const alpha = attrFloat(node, 'alpha', 1);
        const beta = attrFloat(node, 'beta', 1);
        if (B.dims.length !== 2) throw unsupportedAttr(`B must be a matrix, its dims are ${JSON.stringify(B.dims)}`);
        const [r, c] = B.dims as [number, number];
        const K = transB ? c : r;
        const N = transB ? r : c;
        if (K !== a.size) throw new ModelCompilerError('Model.MalformedOnnx', `Gemm node ${label}: B has ${K} input rows, the activation has ${a.size} values`);
        const W = Array.from({ length: N }, (_, i) => Array.from({ length: K }, (_, j) => alpha * Number(transB ? B.data[i * c + j] : B.data[j * c + i])));
        let bias = new Array<number>(N).fill(0);
        if (ins[2] !== undefined) {
          const C = need(2);
          if (C.kind !== 'const') throw unsupportedAttr('C must be a constant');
          bias = broadcastBias(C, N, `Gemm node ${label}`).map((v) => beta * v);
        }
        layers.push({ name: label, ops: ['Gemm'], inputs: K, outputs: N, weights: W, biases: bias, relu: false });
        set({ kind: 'act', size: N, shape: [N], layer: layers.length - 1, relu: false });
        current = outs[0]!;
        return;
      }
      case 'MatMul': {
        const a = chainInput(first, 0);
        const B = need(1);
        if (B.kind !== 'const') throw unsupportedAttr('the right operand must be a constant (an initializer)');
        if (B.dims.length !== 2) throw unsupportedAttr(`the right operand must be a matrix, its dims are ${JSON.stringify(B.dims)}`);
        const [K, N] = B.dims as [number, number];
        if (K !== a.size) throw new ModelCompilerError('Model.MalformedOnnx', `MatMul node ${label}: the matrix has ${K} rows, the activation has ${a.size} values`);
        const W = Array.from({ length: N }, (_, i) => Array.from({ length: K }, (_, j) => Number(B.data[j * N + i])));
        layers.push({ name: label, ops: ['MatMul'], inputs: K, outputs: N, weights: W, biases: new Array<number>(N).fill(0), relu: false });
        set({ kind: 'act', size: N, shape: [N], layer: layers.length - 1, relu: false });
        current = outs[0]!;
        return;
      }
      case 'Add': {
        const second = need(1);
        const [actIndex, constVal] = first.kind === 'act' ? [0, second] : [1, first];
        const a = chainInput(actIndex === 0 ? first : second, actIndex);
        if (constVal.kind !== 'const') throw unsupportedAttr('one operand must be a constant bias');
        if (a.layer === null || a.relu) throw unsupportedAttr('Add is supported only as the bias of a MatMul / Gemm layer');
        const layer = layers[a.layer]!;
        const bias = broadcastBias(constVal, layer.outputs, `Add node ${label}`);
        layer.biases = layer.biases.map((b, i) => b + bias[i]!);
        layer.ops.push('Add');
        layer.name = `${layer.name}+${label}`;
        set({ kind: 'act', size: a.size, shape: [a.size], layer: a.layer, relu: false });
        current = outs[0]!;
        return;
      }
      case 'Relu': {
        const a = chainInput(first, 0);
        if (a.layer === null) throw unsupportedAttr('ReLU is supported only after a linear layer');
        const layer = layers[a.layer]!;
        if (!layer.relu) layer.ops.push('Relu');
        layer.relu = true;
        set({ kind: 'act', size: a.size, shape: [a.size], layer: a.layer, relu: true });
        current = outs[0]!;
        return;
      }
      default:
        throw new ModelCompilerError('Model.UnsupportedOp', `unsupported op ${op} (node ${label}); supported: Gemm, MatMul, Add (bias), Relu, Flatten, Reshape, Identity, Cast, and Softmax / ArgMax / label mapping after the last layer`, { details: { opType: op, nodeName: label } });
    }
  });

  if (layers.length === 0) throw new ModelCompilerError('Model.UnsupportedGraph', 'the model has no linear layer (Gemm or MatMul)');
  const outputName = logits ?? current;
  if (values.get(current)?.kind !== 'act' || (values.get(current) as Act).layer !== layers.length - 1) {
    throw new ModelCompilerError('Model.UnsupportedGraph', `the network does not end with a linear layer (its last activation is ${current})`);
  }
  const graphOutputs = (graph.output ?? []).map((o) => {
    const v = values.get(o.name ?? '');
    if (!v) malformed(`graph output ${o.name} is not produced by any node`);
    if (v.kind === 'const') throw new ModelCompilerError('Model.UnsupportedGraph', `graph output ${o.name} is a constant`);
    if (v.kind === 'act' && o.name !== current) throw new ModelCompilerError('Model.UnsupportedGraph', `graph output ${o.name} is an intermediate activation, not the network's output`);
    return { name: o.name!, kind: v.kind === 'act' ? ('logits' as const) : ('postprocess' as const) };
  });
  if (graphOutputs.length === 0) malformed('the graph has no outputs');
  const postprocess: Postprocess | null = postOps.length === 0 ? null : {
    ops: postOps,
    softmax: postOps.includes('Softmax'),
    argmax: postOps.includes('ArgMax'),
    ...(labels ? { labels } : {}),
  };
  if (postprocess?.labels && postprocess.labels.length !== layers[layers.length - 1]!.outputs) {
    malformed(`the class table has ${postprocess.labels.length} labels, the network has ${layers[layers.length - 1]!.outputs} outputs`);
  }
  return {
    producer: { name: model.producerName ?? '', version: model.producerVersion ?? '' },
    opset: opset ? num(opset.version) : 0,
    inputName: input.name!,
    inputShape,
    batched,
    outputName,
    graphOutputs,
    layers,
    postprocess,
    opCounts,
  };
}

const FOLDABLE = new Set(['Gather', 'Unsqueeze', 'Squeeze', 'Concat']);

/** Evaluates shape arithmetic on constant (1-D or scalar) tensors. */
function foldConst(op: string, node: NodeProto, ins: (Const | undefined)[], unsupported: (what: string) => ModelCompilerError): Const {
  const axesOf = (): number[] | undefined => {
    if (ins[1]) return ins[1].data.map(Number);
    const a = attr(node, 'axes');
    return a ? (a.ints ?? []).map(num) : undefined;
  };
  switch (op) {
    case 'Gather': {
      const [data, idx] = ins;
      if (!data || !idx || data.dims.length !== 1 || attrInt(node, 'axis', 0) !== 0) throw unsupported('only a gather from a 1-D constant along axis 0 is supported');
      const n = data.data.length;
      return { kind: 'const', dims: idx.dims.slice(), data: idx.data.map((i) => data.data[Number(i) < 0 ? Number(i) + n : Number(i)]!) };
    }
    case 'Unsqueeze': {
      const x = ins[0]!;
      const axes = axesOf();
      if (!axes) throw unsupported('axes missing');
      const rank = x.dims.length + axes.length;
      const norm = axes.map((a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
      const dims = x.dims.slice();
      for (const a of norm) dims.splice(a, 0, 1);
      return { kind: 'const', dims, data: x.data.slice() };
    }
    case 'Squeeze': {
      const x = ins[0]!;
      const axes = axesOf()?.map((a) => (a < 0 ? a + x.dims.length : a));
      return { kind: 'const', dims: x.dims.filter((d, i) => (axes ? !axes.includes(i) : d !== 1)), data: x.data.slice() };
    }
    case 'Concat': {
      const parts = ins.filter((v): v is Const => v !== undefined);
      const axis = attrInt(node, 'axis', 0);
      if (parts.some((p) => p.dims.length !== 1) || (axis !== 0 && axis !== -1)) throw unsupported('only a concatenation of 1-D constants is supported');
      const data = parts.flatMap((p) => p.data);
      return { kind: 'const', dims: [data.length], data };
    }
    default:
      throw unsupported('cannot be folded');
  }
}

function broadcastBias(c: Const, n: number, where: string): number[] {
  const count = c.data.length;
  if (count === 1) return new Array<number>(n).fill(Number(c.data[0]));
  if (count === n && c.dims.filter((d) => d !== 1).length <= 1) return c.data.map(Number);
  throw new ModelCompilerError('Model.UnsupportedAttribute', `${where}: bias of dims ${JSON.stringify(c.dims)} does not broadcast to ${n} outputs`);
}

/** The float network (double precision) on one flat input: the logits. */
export function runFloat(graph: Pick<DenseGraph, 'layers'>, input: readonly number[]): number[] {
  let x = input.slice();
  for (const layer of graph.layers) {
    if (x.length !== layer.inputs) throw new ModelCompilerError('Model.ShapeMismatch', `layer ${layer.name} expects ${layer.inputs} inputs, got ${x.length}`);
    x = layer.weights.map((row, i) => {
      let acc = layer.biases[i]!;
      for (let j = 0; j < row.length; j++) acc += row[j]! * x[j]!;
      return layer.relu && acc < 0 ? 0 : acc;
    });
  }
  return x;
}

/** Softmax of logits. */
export function softmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Index of the largest value (the first one on ties, as ONNX ArgMax). */
export function argmax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}
