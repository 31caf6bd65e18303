import { ModelproofError } from '../errors.js';

/** Codes of {@link KeysError}. */
export type KeysErrorCode =
  /** The keystore directory has no keys (or misses one of the two files). */
  | 'Keys.NotFound'
  /** The passphrase does not decrypt the keystore (or an encrypted file was modified). */
  | 'Keys.WrongPassphrase'
  /** `generateKeys` found keys already and `force` was not set. */
  | 'Keys.Exists'
  /** A keystore file is malformed, or the two files do not belong together. */
  | 'Keys.Corrupt'
  /** The passphrase is not usable (empty). */
  | 'Keys.InvalidPassphrase'
  /** The keystore could not be read or written (permissions, disk, ...). */
  | 'Keys.Io';

/** Errors of the keystore. Messages name the file; they never contain key material or the passphrase. */
export class KeysError extends ModelproofError {
  declare readonly code: KeysErrorCode;

  constructor(code: KeysErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'KeysError';
  }
}
