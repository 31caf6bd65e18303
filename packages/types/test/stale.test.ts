import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..');
const script = join(repo, 'scripts', 'typegen.mjs');
const GENERATED = [join('packages', 'types', 'src', 'interfaces'), join('packages', 'types', 'src', 'runtime.ts'), join('packages', 'sdk', 'src', 'offline', 'metadata.ts')];

const typegen = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: repo, encoding: 'utf8' });

describe('generated types (node scripts/typegen.mjs)', () => {
  test('the committed output matches runtime-spec/metadata.scale', () => {
    const result = typegen('--check');
    // On failure the message says which files differ and to run `node scripts/typegen.mjs`.
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/generated files match runtime-spec\/metadata\.scale/);
  });

  test('--check fails, naming the files and the command, when the output is stale, missing or extra', () => {
    const root = mkdtempSync(join(tmpdir(), 'modelproof-typegen-test-'));
    try {
      for (const path of GENERATED) cpSync(join(repo, path), join(root, path), { recursive: true });
      expect(typegen('--check', '--root', root).status).toBe(0);

      appendFileSync(join(root, 'packages/types/src/interfaces/augment-api-tx.ts'), '// edited by hand\n');
      unlinkSync(join(root, 'packages/types/src/runtime.ts'));
      writeFileSync(join(root, 'packages/types/src/interfaces/leftover.ts'), 'export {};\n');
      writeFileSync(join(root, 'packages/sdk/src/offline/metadata.ts'), "export const metadataRpc = '0x';\n");
      const stale = typegen('--check', '--root', root);
      expect(stale.status).toBe(1);
      expect(stale.stderr).toContain('differs: packages/types/src/interfaces/augment-api-tx.ts');
      expect(stale.stderr).toContain('missing: packages/types/src/runtime.ts');
      expect(stale.stderr).toContain('not generated (remove it): packages/types/src/interfaces/leftover.ts');
      expect(stale.stderr).toContain('differs: packages/sdk/src/offline/metadata.ts');
      expect(stale.stderr).toContain('run `node scripts/typegen.mjs`');

      // Regenerating into that tree repairs it (and removes the leftover file).
      const write = typegen('--root', root);
      expect(write.status).toBe(0);
      expect(typegen('--check', '--root', root).status).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
