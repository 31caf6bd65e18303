// npm pack/publish hooks: put the committed runtime into this package (runtime/) so a published
// @modelproof/devnet runs without the monorepo, and remove the copy afterwards.
//
//   node scripts/copy-runtime.mjs           copy ../../runtime-spec/<wasm> to runtime/
//   node scripts/copy-runtime.mjs --clean   remove runtime/
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WASM = 'modelproof_runtime.compact.compressed.wasm';
const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(pkg, 'runtime');

if (process.argv.includes('--clean')) {
  rmSync(target, { recursive: true, force: true });
} else {
  const source = join(pkg, '..', '..', 'runtime-spec', WASM);
  if (!existsSync(source)) {
    console.error(`copy-runtime: ${source} is missing; build it with \`npm run chain:build\` at the repository root`);
    process.exit(1);
  }
  mkdirSync(target, { recursive: true });
  copyFileSync(source, join(target, WASM));
  console.log(`copy-runtime: runtime/${WASM} copied from runtime-spec/`);
}
