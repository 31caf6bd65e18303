/**
 * Error classification of the pipeline: a {@link TransientError} is retried with backoff, a
 * {@link PermanentError} goes straight to the dead-letter queue with its reason. Errors of the
 * SDK say themselves whether a retry may help (`ModelproofError.retryable`); their stable `code`
 * only names the failure in dead letters and metrics. Anything else counts as transient (retried,
 * and dead-lettered once the attempts are exhausted).
 */
import { UnrecoverableError } from 'bullmq';

/** A failure worth retrying (timeouts, disconnects, an unavailable IPFS node). */
export class TransientError extends Error {
  readonly code: string;
  readonly retryable = true;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientError';
    this.code = code;
  }
}

/**
 * A failure that a retry cannot fix (bad proof, wrong digest, not our job any more). Extends
 * BullMQ's `UnrecoverableError` (and keeps its `name`), so BullMQ does not retry it, also when
 * thrown inside a sandboxed processor.
 */
export class PermanentError extends UnrecoverableError {
  readonly code: string;
  readonly retryable = false;
  constructor(code: string, message: string) {
    super(message);
    // BullMQ recognises an unrecoverable error by this name too, which is all that survives
    // the sandbox boundary (together with the message, which carries the code).
    this.name = 'UnrecoverableError';
    this.code = code;
  }
}

export interface Classification {
  permanent: boolean;
  /** A short public code (`ComputeJobs.InvalidProof`, `Client.Timeout`, `Unknown`). */
  code: string;
  /** Human-readable reason (the error's message; never secrets: SDK messages carry none). */
  reason: string;
}

/**
 * Classifies any thrown value by what it says about itself: its `retryable` flag (every
 * `ModelproofError`, and the two classes above, carry one), else BullMQ's `UnrecoverableError`
 * is permanent and anything else — a bug, a socket error — transient (retried, then
 * dead-lettered once the attempts are exhausted).
 */
export function classifyError(error: unknown): Classification {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof (error as { code?: unknown })?.code === 'string' && CODE.test((error as { code: string }).code) ? (error as { code: string }).code : undefined;
  if (typeof (error as { retryable?: unknown })?.retryable === 'boolean') {
    return { permanent: !(error as { retryable: boolean }).retryable, code: code ?? 'Unknown', reason: message };
  }
  if (error instanceof UnrecoverableError) return { permanent: true, code: code ?? 'Unrecoverable', reason: message };
  return { permanent: false, code: code ?? 'Unknown', reason: message };
}

const CODE = /^[A-Za-z0-9]+\.[A-Za-z0-9.]+$/;

/**
 * Turns an error into the one BullMQ should see: a {@link PermanentError} (not retried) or a
 * {@link TransientError} (retried with backoff). The message is prefixed with the code, so the
 * classification survives the sandbox boundary (only the message crosses it).
 */
export function toQueueError(error: unknown): Error {
  const c = classifyError(error);
  const message = `[${c.code}] ${c.reason.replace(/^\[[^\]]+\] /, '')}`;
  return c.permanent ? new PermanentError(c.code, message) : new TransientError(c.code, message, { cause: error });
}

/** The code a failed BullMQ job carried (from the `[code]` prefix of its failed reason). */
export function codeFromReason(reason: string | undefined): string {
  return /^\[([A-Za-z0-9.]+)\] /.exec(reason ?? '')?.[1] ?? 'Unknown';
}
