import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import onnxProto from 'onnx-proto';

export const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
export const repoRoot = join(packageDir, '..', '..');
export const fixtures = join(packageDir, 'test', 'fixtures');
export const devPtau = join(fixtures, 'dev-pow11.ptau');
export const cliPath = join(packageDir, 'bin', 'modelproof-model.js');

export const readJsonFile = <T = unknown>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (`bin/modelproof-model.js`, dist/) with `args`. */
export function cli(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args], { cwd: packageDir, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Builds the package (and the SDK it references) so the CLI's dist/ is current. */
export function buildPackage(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', packageDir], (error, stdout, stderr) => {
      if (error) reject(new Error(`tsc -b failed:\n${stdout}${stderr}`));
      else resolve();
    });
  });
}

const { onnx } = onnxProto;

/** The ONNX model with `tensor` added as a graph output (to read intermediate tensors with onnxruntime). */
export function exposeTensor(bytes: Uint8Array, tensor: string): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  model.graph!.output!.push(onnx.ValueInfoProto.create({ name: tensor }));
  return onnx.ModelProto.encode(model).finish();
}

/** The ONNX model with `patch` applied to its decoded ModelProto. */
export function patchModel(bytes: Uint8Array, patch: (m: onnxProto.onnx.ModelProto) => void): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  patch(model);
  return onnx.ModelProto.encode(model).finish();
}

export { onnx };

/** Runs `model` with onnxruntime-node (in a child process) on a batch of inputs; returns the fetched outputs, flattened. */
export function ortRun(model: Uint8Array, inputName: string, inputs: number[][], fetches: string[], shape?: number[]): Promise<Record<string, number[]>> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(packageDir, 'test', 'ort-run.mjs')], { maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`onnxruntime-node failed: ${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, number[]>);
    });
    child.stdin!.end(JSON.stringify({ model: Buffer.from(model).toString('base64'), inputName, inputs, fetches, shape }));
  });
}
