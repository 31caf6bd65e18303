/** The files of a compiled model directory and their readers. */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { SnarkjsVerificationKey } from './encoding.js';
import { ModelCompilerError } from './errors.js';
import { modelFromJson, type QuantizedModel } from './quantize.js';

export const FILES = {
  model: 'model.json',
  circuit: 'circuit.circom',
  r1cs: 'model.r1cs',
  wasm: 'model.wasm',
  zkey: 'model.zkey',
  vkJson: 'verification_key.json',
  vkBin: 'vk.bin',
  report: 'report.json',
  history: 'zkey-history',
} as const;

/** Reads and parses a JSON file; `Model.InvalidJson` when it does not parse (`code` overrides a missing file's code). */
export async function readJson(file: string, missing: 'Model.InvalidJson' | 'Model.InvalidModelDir' = 'Model.InvalidJson'): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new ModelCompilerError(missing, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new ModelCompilerError('Model.InvalidJson', `${file} is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

export async function loadModel(dir: string): Promise<QuantizedModel> {
  return modelFromJson(await readJson(path.join(dir, FILES.model), 'Model.InvalidModelDir'));
}

export async function loadVk(dir: string): Promise<SnarkjsVerificationKey> {
  const vk = (await readJson(path.join(dir, FILES.vkJson), 'Model.InvalidModelDir')) as SnarkjsVerificationKey;
  if (!vk || vk.protocol !== 'groth16' || !Array.isArray(vk.IC)) throw new ModelCompilerError('Model.InvalidModelDir', `${FILES.vkJson} is not a Groth16 verification key`);
  return vk;
}
