/**
 * The built-in sandboxed processors for tests that run them for real. A BullMQ child process
 * cannot load TypeScript, so the entry (src/kinds/<kind>/sandbox-entry.ts) is bundled by esbuild
 * into a gitignored cache folder inside the repository (node_modules/.cache, so the bundle's bare
 * imports resolve from node_modules); the SDK is bundled from its sources. The child builds its context from the environment the pipeline gives it
 * (`processorEnv`: MODELPROOF_WORKER_*).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { build } from 'esbuild';

import { ROOT } from './chain.js';

export interface SandboxBundle {
  /** The bundled processor module, for `processors: { <kind>: file }`. */
  file: string;
  remove(): Promise<void>;
}

export async function bundleSandbox(kind: 'inference' | 'aggregation'): Promise<SandboxBundle> {
  const dir = join(ROOT, 'node_modules', '.cache', `modelproof-${kind}-sandbox-${process.pid}`);
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${kind}-sandbox-entry.mjs`);
  await build({
    entryPoints: [join(ROOT, 'packages', 'offchain-worker', 'src', 'kinds', kind, 'sandbox-entry.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'silent',
    plugins: [
      {
        name: 'workspace-sources',
        setup(b) {
          b.onResolve({ filter: /^@modelproof\/(sdk|types)(\/[a-z]+)?$/ }, (args) => {
            const [, pkg, sub] = /^@modelproof\/(sdk|types)(?:\/([a-z]+))?$/.exec(args.path)!;
            return { path: join(ROOT, 'packages', pkg!, 'src', ...(sub ? [sub] : []), 'index.ts') };
          });
          b.onResolve({ filter: /^[^./]/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  return { file, remove: () => rm(dir, { recursive: true, force: true }) };
}
