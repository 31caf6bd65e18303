import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs every ```ts example of the README against the sources; a failed console.assert fails the test.
const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const examples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'modelproof-readme-'));
  const originalAssert = console.assert;
  beforeAll(() => {
    console.assert = (cond?: unknown, ...rest: unknown[]) => {
      if (!cond) throw new Error(`README assertion failed ${rest.join(' ')}`);
    };
  });
  afterAll(() => {
    console.assert = originalAssert;
    rmSync(dir, { recursive: true, force: true });
  });

  test('there are examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  test.each(examples.map((code, i) => [i, code] as const))('example %i runs', async (i, code) => {
    const file = join(dir, `example-${i}.ts`);
    writeFileSync(file, `${code}\nexport const ran = true;\n`);
    const mod = (await import(file)) as { ran: boolean };
    expect(mod.ran).toBe(true);
  });
});
