import { ModelproofError } from '../errors.js';

/** Codes of {@link JobError} (the `Job.*` codes `waitForJob` also uses). */
export type JobErrorCode =
  /** No job with this id. */
  | 'Job.NotFound'
  /** The job is of the other kind (inference vs aggregation). */
  | 'Job.WrongKind'
  /** The job expired before the awaited state was reached. */
  | 'Job.Expired'
  /** The job failed (handed back, committee never formed, too few valid contributions) before the awaited state was reached. */
  | 'Job.Failed'
  /** The aggregation job's committee or participant list is below the privacy minimums (yours or the runtime's): contributing would expose the vector. */
  | 'Job.BelowPrivacyMinimum'
  /** The job has not reached the state this operation needs (e.g. not completed, committee not formed, contributions not closed). */
  | 'Job.NotReady'
  /** The signer is not a participant / committee member of the job. */
  | 'Job.NotAuthorized'
  /** A committee member has no registered worker (no X25519 key on chain). */
  | 'Job.MissingWorkerKey'
  /** The vector's length differs from the job's `vector_len`. */
  | 'Job.VectorLengthMismatch'
  /** The completing block, event or extrinsic of an inference result could not be found. */
  | 'Job.ResultNotFound'
  /** A contribution or partial recorded on chain is missing, unreadable or does not match its digest. */
  | 'Job.BadContribution'
  /** A sealed inference input or output is malformed, or does not match the job's `input_hash` / `output_commitment`. */
  | 'Job.BadInput'
  /** A sealed inference input or output is not addressed to this encryption key. */
  | 'Job.NotARecipient'
  /** No registered worker holds a grant on the model: nobody could serve (or read the input of) a job. */
  | 'Job.NoWorkers'
  /** Parameters are unusable (nothing was sent). */
  | 'Job.InvalidParams';

/** The {@link JobError}s a retry may get past: chain state that is not there yet. */
const RETRYABLE_JOB_CODES: ReadonlySet<string> = new Set<JobErrorCode>(['Job.NotFound', 'Job.NotReady', 'Job.ResultNotFound', 'Job.MissingWorkerKey', 'Job.NoWorkers']);

/** Errors of the job helpers (`@modelproof/sdk/jobs`). `retryable` for `NotFound`, `NotReady`, `ResultNotFound`, `MissingWorkerKey`, `NoWorkers`. */
export class JobError extends ModelproofError {
  declare readonly code: JobErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: JobErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(code, message, { cause: options?.cause, retryable: RETRYABLE_JOB_CODES.has(code) });
    this.name = 'JobError';
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}
