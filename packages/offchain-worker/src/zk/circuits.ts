/**
 * Local circuit artifacts: `circuits/build/<name>/{<name>.wasm, <name>.zkey, vk.bin}` as written by
 * `node scripts/circuits.mjs build`. The chain knows a circuit only by its verifying key, so the
 * worker picks the artifacts whose `vk.bin` equals the on-chain key byte for byte.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ZkJobError } from './errors.js';

export interface CircuitArtifacts {
  /** Directory name, e.g. `mlp_16_8_2`. */
  name: string;
  /** Witness generator (`<name>.wasm`). */
  wasm: string;
  /** Proving key (`<name>.zkey`). */
  zkey: string;
  /** Verifying key in the chain's encoding. */
  vk: Uint8Array;
  /** Public inputs of the key (outputs + 3). */
  nPublic: number;
  /** Number of outputs (`nPublic − 3`). */
  nOutputs: number;
  /** Layer widths read from an `mlp_<w0>_<w1>_…` name; `null` for other circuits. */
  shape: number[] | null;
}

/** `circuits/build` of this repository (the same from `src/zk` and `dist/zk`). */
export function defaultCircuitsDir(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'circuits', 'build');
}

const exists = (p: string) => stat(p).then(() => true, () => false);

/** Every complete artifact set under `dir` (directories without all three files are ignored). */
export async function listCircuitArtifacts(dir: string = defaultCircuitsDir()): Promise<CircuitArtifacts[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: CircuitArtifacts[] = [];
  for (const e of entries.filter((d) => d.isDirectory() && !d.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name))) {
    const base = path.join(dir, e.name);
    const wasm = path.join(base, `${e.name}.wasm`);
    const zkey = path.join(base, `${e.name}.zkey`);
    const vkFile = path.join(base, 'vk.bin');
    if (!(await exists(wasm)) || !(await exists(zkey)) || !(await exists(vkFile))) continue;
    const vk = new Uint8Array(await readFile(vkFile));
    const nPublic = (vk.length - 448) / 64 - 1;
    if (!Number.isInteger(nPublic) || nPublic < 3) continue;
    const m = /^mlp_(\d+(?:_\d+)+)$/.exec(e.name);
    const shape = m ? (m[1] as string).split('_').map(Number) : null;
    found.push({ name: e.name, wasm, zkey, vk, nPublic, nOutputs: nPublic - 3, shape });
  }
  return found;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The artifacts whose `vk.bin` is exactly `vk`; `Zk.UnknownCircuit` when none is. */
export async function findCircuitByVk(vk: Uint8Array, dir: string = defaultCircuitsDir()): Promise<CircuitArtifacts> {
  const all = await listCircuitArtifacts(dir);
  const match = all.find((c) => sameBytes(c.vk, vk));
  if (!match) {
    throw new ZkJobError('Zk.UnknownCircuit', `no circuit artifacts under ${dir} match the job's verifying key (have: ${all.map((c) => c.name).join(', ') || 'none'})`);
  }
  return match;
}

/** The artifacts named `name` (e.g. `mlp_16_8_2`); `Zk.UnknownCircuit` when missing. */
export async function circuitByName(name: string, dir: string = defaultCircuitsDir()): Promise<CircuitArtifacts> {
  const match = (await listCircuitArtifacts(dir)).find((c) => c.name === name);
  if (!match) throw new ZkJobError('Zk.UnknownCircuit', `no circuit artifacts ${name} under ${dir}`);
  return match;
}
