export { KeysError, type KeysErrorCode } from './errors.js';
export { DIR_MODE, FILE_MODE, writeFileAtomic } from './fs.js';
export {
  DEFAULT_SS58_FORMAT,
  ENCRYPTION_FILE,
  type GenerateKeysOptions,
  generateKeys,
  inspectKeys,
  type KeystoreOptions,
  loadKeys,
  type PassphraseInput,
  type PublicKeys,
  SIGNER_FILE,
  type WorkerKeys,
} from './keystore.js';
export { SCRYPT_DEFAULTS, X25519_FILE_TYPE, X25519_FILE_VERSION } from './x25519-file.js';
