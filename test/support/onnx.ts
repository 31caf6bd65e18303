/** onnxruntime's outputs for an ONNX file, computed in a child process (see onnx-run.mjs). */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export function onnxOutputs(model: string, inputs: number[][]): Promise<number[][]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [join(import.meta.dirname, 'onnx-run.mjs')], { maxBuffer: 1 << 26 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`onnxruntime failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as number[][]);
    });
    child.stdin!.end(JSON.stringify({ model, inputs }));
  });
}
