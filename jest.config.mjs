// Jest runs TypeScript sources directly (SWC, native ESM) so ESM-only dependencies load as they are.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: {
    '^@modelproof/devnet$': '<rootDir>/packages/devnet/src/index.ts',
    '^@modelproof/types$': '<rootDir>/packages/types/src/index.ts',
    '^@modelproof/sdk$': '<rootDir>/packages/sdk/src/index.ts',
    '^@modelproof/sdk/(.*)$': '<rootDir>/packages/sdk/src/$1/index.ts',
    '^@modelproof/offchain-worker$': '<rootDir>/packages/offchain-worker/src/index.ts',
    '^@modelproof/offchain-worker/zk$': '<rootDir>/packages/offchain-worker/src/zk/index.ts',
    '^@modelproof/stack$': '<rootDir>/packages/stack/src/index.ts',
    '^@modelproof/model-compiler$': '<rootDir>/packages/model-compiler/src/index.ts',
    '^@modelproof/model-compiler/io$': '<rootDir>/packages/model-compiler/src/io.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testMatch: ['<rootDir>/packages/*/test/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  testTimeout: 120000,
  // ApiPromise.disconnect() leaves @polkadot/rpc-core's 1.75 s refCountDelay timer behind; the
  // process exits on its own once it fires, so warn about open handles only after that.
  openHandlesTimeout: 3000,
};
