/**
 * Error classification of the pipeline: a {@link TransientError} is retried with backoff, a
 * {@link PermanentError} goes straight to the dead-letter queue with its reason. Errors of the
 * SDK are classified by their stable `code`; anything unknown counts as transient (retried, and
 * dead-lettered once the attempts are exhausted).
 */
import { UnrecoverableError } from 'bullmq';

/** A failure worth retrying (timeouts, disconnects, an unavailable IPFS node). */
export class TransientError extends Error {
  readonly code: string;
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
  constructor(code: string, message: string) {
    super(message);
    // BullMQ recognises an unrecoverable error by this name too, which is all that survives
    // the sandbox boundary (together with the message, which carries the code).
    this.name = 'UnrecoverableError';
    this.code = code;
  }
}

const TRANSIENT_CODES = new Set(['Client.Timeout', 'Client.Disconnected', 'Client.Aborted', 'Ipfs.Timeout', 'Ipfs.Unavailable', 'Input.Unavailable']);
// Content and authorization failures: retrying cannot fix them. (`Job.NotReady`, `Job.NotFound`
// stay transient: the chain may still get there.)
const PERMANENT_PREFIXES = ['Crypto.', 'Zk.', 'Smpc.', 'ComputeJobs.', 'ModelRegistry.', 'Escrow.', 'Pipeline.'];
const PERMANENT_CODES = new Set([
  'Model.DigestMismatch',
  'Model.NoGrant',
  'Model.BadManifest',
  'Model.BadBundle',
  'Model.NoInterface',
  'Model.NotFound',
  'Model.NoEncryptionKey',
  'Model.InvalidParams',
  'Job.BadContribution',
  'Job.BadInput',
  'Job.NotARecipient',
  'Input.Invalid',
  'Job.NotAuthorized',
  'Job.OwnerKeyUnknown',
  'Job.Expired',
  'Job.WrongKind',
  'Job.InvalidParams',
  'Job.VectorLengthMismatch',
  'Ipfs.InvalidCid',
  'Ipfs.TooLarge',
  'Client.InvalidParams',
  'Client.NoSigner',
  'Client.RuntimeMismatch',
]);

export interface Classification {
  permanent: boolean;
  /** A short public code (`ComputeJobs.InvalidProof`, `Client.Timeout`, `Unknown`). */
  code: string;
  /** Human-readable reason (the error's message; never secrets: SDK messages carry none). */
  reason: string;
}

/** Whether an error code is permanent. Unknown codes are transient. */
export function isPermanentCode(code: string): boolean {
  if (TRANSIENT_CODES.has(code)) return false;
  return PERMANENT_CODES.has(code) || PERMANENT_PREFIXES.some((p) => code.startsWith(p));
}

/** Classifies any thrown value. */
export function classifyError(error: unknown): Classification {
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  if (error instanceof TransientError) return { permanent: false, code: error.code, reason: message };
  if (error instanceof PermanentError) return { permanent: true, code: error.code, reason: message };
  if (code !== undefined && /^[A-Za-z0-9]+\.[A-Za-z0-9.]+$/.test(code)) return { permanent: isPermanentCode(code), code, reason: message };
  if (error instanceof UnrecoverableError) return { permanent: true, code: 'Unrecoverable', reason: message };
  return { permanent: false, code: 'Unknown', reason: message };
}

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
