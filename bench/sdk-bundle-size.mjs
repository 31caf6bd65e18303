#!/usr/bin/env node
// Bundle size of @modelproof/sdk's core entry next to @polkadot/api's, as a browser dApp would
// ship them: esbuild (root devDependency, pinned 0.28.2), ESM, platform browser, minified, every
// dependency bundled, then gzip -9. Prints both sizes and the ratio, for two apps:
//
//   whole entry   `export * from '<entry>'` — everything the entry offers
//   typical app   what a dApp imports to connect and submit one call:
//                 ours  { createClient, registerModel }   (client + one action; tree-shaken)
//                 raw   { ApiPromise, WsProvider }         (what @polkadot/api needs for the same)
//
//   npm run build && node bench/sdk-bundle-size.mjs
//
// Ours bundles @polkadot/api too (the client is built on it), so the ratio shows what the SDK
// adds on top, not a replacement of it. `@modelproof/sdk/ipfs` (kubo-rpc-client) and
// `/offline` (txwrapper-core + metadata) are separate entries and not in these numbers.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
if (!existsSync(join(ROOT, 'packages/sdk/dist/esm/index.js'))) {
  console.error('packages/sdk is not built: run `npm run build` first');
  process.exit(1);
}

async function size(label, contents) {
  const result = await build({
    stdin: { contents, resolveDir: ROOT, loader: 'js', sourcefile: `${label}.js` },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'error',
    metafile: true,
  });
  const code = result.outputFiles[0].contents;
  const inputs = Object.keys(result.metafile.inputs);
  return {
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    kubo: inputs.some((i) => i.includes('kubo-rpc-client')),
  };
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const rows = [
  ['whole entry', "export * from '@modelproof/sdk';", "export * from '@polkadot/api';"],
  ['typical app', "export { createClient, registerModel } from '@modelproof/sdk';", "export { ApiPromise, WsProvider } from '@polkadot/api';"],
];

console.log('bundle size, esbuild minified + gzip -9, platform browser (smaller is better)');
for (const [label, oursSrc, rawSrc] of rows) {
  const ours = await size(`ours-${label}`, oursSrc);
  const raw = await size(`raw-${label}`, rawSrc);
  if (ours.kubo) throw new Error('the core entry pulled in kubo-rpc-client');
  console.log(
    `${label.padEnd(12)} @modelproof/sdk ${kib(ours.gzipped).padStart(10)} gz (${kib(ours.minified)} min)` +
      ` | @polkadot/api ${kib(raw.gzipped).padStart(10)} gz (${kib(raw.minified)} min)` +
      ` | ratio ours/raw ${(ours.gzipped / raw.gzipped).toFixed(3)} gz, ${(ours.minified / raw.minified).toFixed(3)} min`,
  );
}
