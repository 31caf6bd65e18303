/**
 * A secret string (the keystore passphrase) that does not leak by accident: `String()`,
 * `JSON.stringify`, template literals and `util.inspect` / `console.log` all show
 * `[REDACTED]`. Only {@link Secret.reveal} returns the value.
 */
import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value. Pass it straight to the function that needs it; never log it. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}
