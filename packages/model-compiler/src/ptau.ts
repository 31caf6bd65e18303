/**
 * Phase 1 (powers of tau) for the per-model setups.
 *
 * - {@link devPtau}: the project's DEVELOPMENT powers of tau of a given power, cached in
 *   `~/.cache/modelproof/ptau/dev-pow<N>.ptau` (or `$MODELPROOF_CACHE_DIR/ptau`): a new
 *   accumulator, one contribution with random entropy, a random beacon, `preparePhase2`. Each
 *   stage is written under a temporary name and renamed when complete, so an interrupted run
 *   resumes from the last finished stage. NOT secure: one party knows nothing it should not only
 *   if that party deleted its entropy; use a public ceremony file (`--ptau`) in production.
 * - {@link ptauInfo} reads a ptau file's power and whether it is prepared for phase 2;
 *   {@link blake2b512File} computes the hash snarkjs publishes for ceremony files.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

import * as snarkjs from 'snarkjs';

import { ModelCompilerError } from './errors.js';

export type Progress = (line: string) => void;

const exists = (p: string): Promise<boolean> => stat(p).then(() => true, () => false);

/** The cache directory of dev ptau files. */
export function ptauCacheDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.MODELPROOF_CACHE_DIR ?? path.join(env.HOME ?? homedir(), '.cache', 'modelproof');
  return path.join(base, 'ptau');
}

/** The file name of the dev ptau of `power` in `dir`. */
export function devPtauPath(power: number, dir = ptauCacheDir()): string {
  return path.join(dir, `dev-pow${power}.ptau`);
}

/** Smallest power p with 2^p ≥ constraints + public inputs + outputs + 1 (snarkjs' Groth16 domain). */
export function requiredPower(info: { nConstraints: number; nPubInputs: number; nOutputs: number }): number {
  const needed = info.nConstraints + info.nPubInputs + info.nOutputs + 1;
  let p = 1;
  while (2 ** p < needed) p += 1;
  return p;
}

/** blake2b-512 of a file, hex (what `b2sum` prints and snarkjs publishes for its ceremony files). */
export async function blake2b512File(file: string): Promise<string> {
  const hash = createHash('blake2b512');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** sha256 of a file, hex. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface PtauInfo {
  power: number;
  /** Whether the file has the Lagrange sections `preparePhase2` adds (required for `zkey new`). */
  prepared: boolean;
}

/** Reads a ptau file's header. Throws `Model.PtauMismatch` when it is not a ptau file. */
export async function ptauInfo(file: string): Promise<PtauInfo> {
  let fd;
  try {
    fd = await open(file, 'r');
  } catch (e) {
    throw new ModelCompilerError('Model.PtauMismatch', `cannot open powers-of-tau file ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const { size } = await fd.stat();
    const head = Buffer.alloc(12);
    await fd.read(head, 0, 12, 0);
    if (head.toString('latin1', 0, 4) !== 'ptau') throw new ModelCompilerError('Model.PtauMismatch', `${file} is not a powers-of-tau file`);
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    let power = -1;
    const types = new Set<number>();
    for (let s = 0; s < nSections; s++) {
      if (pos + 12 > size) throw new ModelCompilerError('Model.PtauMismatch', `${file} is truncated`);
      const sh = Buffer.alloc(12);
      await fd.read(sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const len = Number(sh.readBigUInt64LE(4));
      types.add(type);
      if (type === 1) {
        const h = Buffer.alloc(Math.min(len, 64));
        await fd.read(h, 0, h.length, pos + 12);
        const n8 = h.readUInt32LE(0);
        power = h.readUInt32LE(4 + n8);
      }
      pos += 12 + len;
    }
    if (pos > size) throw new ModelCompilerError('Model.PtauMismatch', `${file} is truncated`);
    if (power < 0) throw new ModelCompilerError('Model.PtauMismatch', `${file} has no header section`);
    return { power, prepared: types.has(12) };
  } finally {
    await fd.close();
  }
}

const quietLogger = (progress?: Progress, prefix = ''): snarkjs.Logger => {
  let last = 0;
  return {
    debug: (msg: string) => {
      const now = Date.now();
      if (progress && now - last > 5000) {
        last = now;
        progress(`${prefix}${msg}`);
      }
    },
    info: () => {},
    log: () => {},
    warn: (msg: string) => progress?.(`${prefix}warning: ${msg}`),
    error: (msg: string) => progress?.(`${prefix}error: ${msg}`),
  };
};

let bn128: unknown;
async function curve(): Promise<unknown> {
  bn128 ??= await snarkjs.curves.getCurveFromName('bn128');
  return bn128;
}

/**
 * The dev powers of tau of `power` (prepared for phase 2), from the cache or made now, resuming
 * from the last finished stage of an interrupted run. `untilStage` (1–4) stops after that stage
 * and returns the stage file (as an interruption would leave it).
 */
export async function devPtau(power: number, options: { dir?: string; progress?: Progress; untilStage?: number } = {}): Promise<string> {
  if (!Number.isInteger(power) || power < 1 || power > 28) throw new ModelCompilerError('Model.Usage', `power must be an integer in [1, 28], got ${power}`);
  const dir = options.dir ?? ptauCacheDir();
  const say = options.progress ?? (() => {});
  const final = devPtauPath(power, dir);
  if (await exists(final)) {
    say(`ptau: using cached ${final}`);
    return final;
  }
  await mkdir(dir, { recursive: true });
  const stage = (i: number): string => path.join(dir, `dev-pow${power}.stage${i}.ptau`);
  const steps: { name: string; run: (from: string, to: string) => Promise<unknown> }[] = [
    { name: 'new accumulator', run: async (_from, to) => snarkjs.powersOfTau.newAccumulator(await curve(), power, to, quietLogger(say, 'ptau: ')) },
    { name: 'contribution (random entropy)', run: (from, to) => snarkjs.powersOfTau.contribute(from, to, 'modelproof dev phase 1', randomBytes(32).toString('hex'), quietLogger(say, 'ptau: ')) },
    { name: 'random beacon', run: (from, to) => snarkjs.powersOfTau.beacon(from, to, 'modelproof dev beacon', randomBytes(32).toString('hex'), 10, quietLogger(say, 'ptau: ')) },
    { name: 'prepare phase 2 (the slow step)', run: (from, to) => snarkjs.powersOfTau.preparePhase2(from, to, quietLogger(say, 'ptau: ')) },
  ];
  const target = (i: number): string => (i === steps.length - 1 ? final : stage(i));
  let start = 0;
  for (let i = steps.length - 2; i >= 0; i--) {
    if (await exists(stage(i))) {
      start = i + 1;
      say(`ptau: resuming after stage ${i + 1}/${steps.length} (${steps[i]!.name})`);
      break;
    }
  }
  const until = Math.min(options.untilStage ?? steps.length, steps.length);
  for (let i = start; i < until; i++) {
    const t0 = performance.now();
    say(`ptau: 2^${power} stage ${i + 1}/${steps.length}: ${steps[i]!.name}`);
    const to = target(i);
    const partial = `${to}.partial`;
    await rm(partial, { force: true });
    await steps[i]!.run(i === 0 ? '' : stage(i - 1), partial);
    await rename(partial, to);
    say(`ptau: stage ${i + 1}/${steps.length} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  if (until < steps.length) return stage(until - 1); // stopped early on request (tests, scripted interruptions)
  for (let i = 0; i < steps.length - 1; i++) await rm(stage(i), { force: true });
  return final;
}

/**
 * Checks `file` against its published blake2b-512 hash (hex, as snarkjs lists ceremony files);
 * `Model.PtauMismatch` on a mismatch. Returns the hash.
 */
export async function checkPtauHash(file: string, expected: string): Promise<string> {
  const want = expected.toLowerCase().replace(/^0x/, '').replace(/\s+/g, '');
  if (!/^[0-9a-f]{128}$/.test(want)) throw new ModelCompilerError('Model.Usage', '--ptau-hash must be 128 hex digits (blake2b-512)');
  await ptauInfo(file);
  const blake = await blake2b512File(file);
  if (blake !== want) {
    throw new ModelCompilerError('Model.PtauMismatch', `${file} does not match its published hash: blake2b-512 is ${blake}, expected ${want}`);
  }
  return blake;
}

/**
 * The ptau to use for a circuit needing 2^`power`: `explicit` if given (checked against
 * `expectedBlake2b` when given, and for its power and preparation), else the smallest cached dev
 * ptau of at least that power, else a new dev ptau of that power.
 */
export async function resolvePtau(power: number, options: { explicit?: string; expectedBlake2b?: string; dir?: string; progress?: Progress } = {}): Promise<{ file: string; power: number; source: 'file' | 'dev-cache' | 'dev-new'; blake2b512?: string }> {
  const say = options.progress ?? (() => {});
  if (options.explicit) {
    const file = path.resolve(options.explicit);
    let blake: string | undefined;
    if (options.expectedBlake2b) {
      say(`ptau: checking the blake2b-512 of ${file}`);
      blake = await checkPtauHash(file, options.expectedBlake2b);
    }
    const info = await ptauInfo(file);
    if (!info.prepared) throw new ModelCompilerError('Model.PtauMismatch', `${file} is not prepared for phase 2 (run snarkjs powersoftau prepare phase2, or use the "_final" ceremony file)`);
    if (info.power < power) throw new ModelCompilerError('Model.PtauMismatch', `${file} has power 2^${info.power}, the circuit needs 2^${power}`);
    return { file, power: info.power, source: 'file', ...(blake ? { blake2b512: blake } : {}) };
  }
  const dir = options.dir ?? ptauCacheDir();
  for (let p = power; p <= 28; p++) {
    const f = devPtauPath(p, dir);
    if (await exists(f)) {
      say(`ptau: using cached dev ptau ${f}`);
      return { file: f, power: p, source: 'dev-cache' };
    }
  }
  say(`ptau: no cached dev ptau of power >= ${power}; making ${devPtauPath(power, dir)} (one time)`);
  return { file: await devPtau(power, { dir, progress: say }), power, source: 'dev-new' };
}

/** Stops snarkjs' curve worker threads (call once before the process should exit). */
export async function terminateSnarkjs(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  await g.curve_bn128?.terminate();
  bn128 = undefined;
}
