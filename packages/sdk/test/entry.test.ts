import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sdk from '@modelproof/sdk';
import * as crypto from '@modelproof/sdk/crypto';
import { CryptoError } from '@modelproof/sdk/crypto';
import { isModelproofError, ModelproofError } from '../src/errors.js';

const srcDir = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('package entries', () => {
  test('the core entry re-exports the crypto layer and the error base', () => {
    expect(sdk.encryptModel).toBe(crypto.encryptModel);
    expect(sdk.wrapKey).toBe(crypto.wrapKey);
    expect(typeof sdk.isModelproofError).toBe('function');
  });

  test('src/ has no Node-only imports or globals (browser-bundlable)', () => {
    const files = sources(srcDir);
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      for (const banned of [/from ['"]node:/, /from ['"](fs|path|crypto|stream|buffer|os)['"]/, /\bBuffer\b/, /\bprocess\.(?!getBuiltinModule)/, /\brequire\(/]) {
        expect([f, banned.test(text)]).toEqual([f, false]);
      }
    }
  });

  test('errors: stable code, recognised across copies of the SDK', () => {
    const e = new CryptoError('Crypto.WrongKey', 'x');
    expect(e).toBeInstanceOf(ModelproofError);
    expect(e).toBeInstanceOf(Error);
    expect(isModelproofError(e, 'Crypto.WrongKey')).toBe(true);
    expect(isModelproofError(e, 'Crypto.BadEnvelope')).toBe(false);
    expect(isModelproofError(new Error('x'))).toBe(false);
    // An error from another copy of the package carries the same global brand.
    const foreign = Object.assign(new Error('y'), { code: 'Crypto.WrongKey', [Symbol.for('@modelproof/sdk/error')]: true });
    expect(isModelproofError(foreign, 'Crypto.WrongKey')).toBe(true);
  });
});
