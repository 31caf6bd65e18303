/**
 * Compiles a generated circuit with circom2 (circom 2.2.3 built to wasm, run under WASI). circom2
 * sees only paths relative to its working directory, so the circuit and the circomlib files it
 * includes are copied into one work directory and compiled from there.
 */
import { spawn } from 'node:child_process';
import { copyFile, mkdir, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

import { CIRCOMLIB_FILES } from './circuit.js';
import { ModelCompilerError } from './errors.js';

const require = createRequire(import.meta.url);

export interface CompiledCircuit {
  r1cs: string;
  wasm: string;
  log: string;
}

function run(cmd: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new ModelCompilerError('Model.CircuitCompileFailed', `circom exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
}

/** Writes `source` as `<workDir>/<name>.circom` beside circomlib's files and compiles it (--O2). */
export async function compileCircom(source: string, workDir: string, name = 'model'): Promise<CompiledCircuit> {
  await mkdir(workDir, { recursive: true });
  const circomlib = path.join(path.dirname(require.resolve('circomlib/package.json')), 'circuits');
  for (const f of CIRCOMLIB_FILES) await copyFile(path.join(circomlib, f), path.join(workDir, f));
  await writeFile(path.join(workDir, `${name}.circom`), source);
  const cli = require.resolve('circom2/cli.js');
  const log = await run(process.execPath, [cli, `${name}.circom`, '--r1cs', '--wasm', '--O2', '-o', '.'], workDir);
  const r1cs = path.join(workDir, `${name}.r1cs`);
  const wasm = path.join(workDir, `${name}_js`, `${name}.wasm`);
  const ok = await Promise.all([r1cs, wasm].map((p) => stat(p).then(() => true, () => false)));
  if (!ok.every(Boolean)) throw new ModelCompilerError('Model.CircuitCompileFailed', `circom did not produce ${name}.r1cs and ${name}.wasm:\n${log.slice(-4000)}`);
  return { r1cs, wasm, log };
}
