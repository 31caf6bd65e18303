#!/usr/bin/env node
// Writes src/client/call-signatures.generated.ts: the call signatures of ModelRegistry, Escrow
// and ComputeJobs in runtime-spec/metadata.scale, which the client compares with the connected
// chain's at connect (`checkRuntime`), and the union of their error codes (`PalletErrorCode`,
// the typed `code` of a `DispatchError`). Run after runtime-spec/ is regenerated:
//
//   node packages/sdk/scripts/gen-call-signatures.mjs          (re)write the file
//   node packages/sdk/scripts/gen-call-signatures.mjs --check  exit 1 if it is stale
//
// The table is computed by the SDK's own `callSignatures` (src/client/compat.ts, compiled here on
// its own into a temporary directory), so the script and the client cannot disagree.
// packages/sdk/test/compat.test.ts fails when the committed file is stale.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const sdkDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = join(sdkDir, '..', '..');
const metadataPath = join(repoRoot, 'runtime-spec', 'metadata.scale');
const outPath = join(sdkDir, 'src', 'client', 'call-signatures.generated.ts');

/** The generated module's text for SCALE metadata `bytes` (deterministic). */
export async function render(bytes, callSignatures) {
  const { Metadata, TypeRegistry } = await import('@polkadot/types');
  const registry = new TypeRegistry();
  const metadata = new Metadata(registry, bytes);
  registry.setMetadata(metadata);
  const table = callSignatures(metadata.asLatest, registry.lookup);
  const codes = errorCodes(metadata.asLatest, registry.lookup, Object.keys(table));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  return [
    '// GENERATED FILE: do not edit. Written by `node packages/sdk/scripts/gen-call-signatures.mjs`',
    '// from runtime-spec/metadata.scale; test/compat.test.ts fails when it is stale.',
    "import type { CallSignatures } from './compat.js';",
    '',
    '/** sha256 of the runtime-spec/metadata.scale the table was generated from. */',
    `export const SIGNATURES_METADATA_SHA256 = '${sha256}';`,
    '',
    '/** Call signatures of the checked pallets in the runtime this SDK was built against. */',
    `export const EXPECTED_CALL_SIGNATURES: CallSignatures = ${formatTable(table)};`,
    '',
    '/** Every error of the checked pallets, as the `code` of a `DispatchError` (`<Pallet>.<Error>`). */',
    `export const PALLET_ERROR_CODES = [\n${codes.map((c) => `  ${JSON.stringify(c)},`).join('\n')}\n] as const;`,
    '',
    '/** A `DispatchError` code of the Modelproof pallets. */',
    'export type PalletErrorCode = (typeof PALLET_ERROR_CODES)[number];',
    '',
  ].join('\n');
}

/** `<Pallet>.<Error>` for every error variant of `pallets`, in metadata order. */
function errorCodes(metadata, lookup, pallets) {
  const codes = [];
  for (const pallet of metadata.pallets) {
    const name = pallet.name.toString();
    if (!pallets.includes(name) || pallet.errors.isNone) continue;
    const def = lookup.getSiType(pallet.errors.unwrap().type).def;
    for (const variant of def.asVariant.variants) codes.push(`${name}.${variant.name.toString()}`);
  }
  return codes;
}

/** One line per call, so a diff of the file reads as a diff of the calls. */
function formatTable(table) {
  const pallets = Object.entries(table).map(([pallet, { index, calls }]) => {
    const lines = Object.entries(calls).map(([name, call]) => `      ${JSON.stringify(name)}: ${JSON.stringify(call)},`);
    return `  ${JSON.stringify(pallet)}: {\n    index: ${index},\n    calls: {\n${lines.join('\n')}\n    },\n  },`;
  });
  return `{\n${pallets.join('\n')}\n}`;
}

async function main() {
  const require = createRequire(import.meta.url);
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  const tmp = mkdtempSync(join(sdkDir, '.gen-'));
  let text;
  try {
    // prettier-ignore
    execFileSync(process.execPath, [
      tsc, join(sdkDir, 'src', 'client', 'compat.ts'), '--outDir', tmp, '--rootDir', join(sdkDir, 'src'),
      '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck',
      '--lib', 'es2023,dom',
    ], { stdio: 'inherit' });
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}');
    const { callSignatures } = await import(pathToFileURL(join(tmp, 'client', 'compat.js')).href);
    text = await render(readFileSync(metadataPath), callSignatures);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (process.argv.includes('--check')) {
    if (readFileSync(outPath, 'utf8') !== text) {
      console.error(`${outPath} is stale: run node packages/sdk/scripts/gen-call-signatures.mjs`);
      process.exit(1);
    }
    console.log('call signatures are up to date');
    return;
  }
  writeFileSync(outPath, text);
  console.log(`wrote ${outPath}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
