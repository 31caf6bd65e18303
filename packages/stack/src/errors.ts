import { ModelproofError } from '@modelproof/sdk';

export type StackErrorCode = 'Stack.WorkerFailed' | 'Stack.DemoFailed' | 'Stack.InvalidOption';

/** An error of the local stack, with a stable `code`. */
export class StackError extends ModelproofError {
  declare readonly code: StackErrorCode;
  constructor(code: StackErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'StackError';
  }
}
