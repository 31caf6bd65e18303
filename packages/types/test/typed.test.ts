import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const repo = join(import.meta.dirname, '..', '..', '..');
const tsc = (project: string) =>
  spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', join(import.meta.dirname, project)], {
    cwd: repo,
    encoding: 'utf8',
  });

describe('type-level: the augmentation types the runtime API', () => {
  test('fixtures/typed-usage.ts compiles (typed calls, queries, events, errors, consts; @ts-expect-error lines are errors)', () => {
    const result = tsc('tsconfig.typecheck.json');
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  test('fixtures/typed-misuse.ts does not compile, with the errors it was written to cause', () => {
    const result = tsc('tsconfig.misuse.json');
    expect(result.status).not.toBe(0);
    const errors = result.stdout.split('\n').filter((l) => l.includes('error TS'));
    // One error per marked line, and nothing else.
    const lines = errors.map((l) => Number(/typed-misuse\.ts\((\d+),/.exec(l)?.[1])).sort((a, b) => a - b);
    expect(lines).toEqual([9, 11, 13, 15]);
  });
});
