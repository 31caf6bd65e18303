/**
 * Typed errors of the model compiler. Every error the compiler raises on purpose is a
 * {@link ModelCompilerError} with a string `code`; the CLI prints `error [CODE]: message` and maps
 * the code to its exit status ({@link isBadInput}: 2, anything else: 1).
 *
 * Dependency-free (the SDK may copy `io.ts`, which uses it).
 */

/** Codes of {@link ModelCompilerError}. */
export type ModelCompilerErrorCode =
  /** The ONNX bytes do not decode as a ModelProto, or the graph is not well formed (missing tensors, bad dims). */
  | 'Model.MalformedOnnx'
  /** A node's op type is not supported (`details.opType`, `details.nodeName`). */
  | 'Model.UnsupportedOp'
  /** A supported op with an unsupported attribute or operand (e.g. Gemm transA = 1, MatMul by a non-constant). */
  | 'Model.UnsupportedAttribute'
  /** The graph is not a single chain of dense / ReLU layers (branches, several inputs, no output). */
  | 'Model.UnsupportedGraph'
  /** A JSON file (inputs, calibration, model.json, proof) does not parse or has the wrong structure. */
  | 'Model.InvalidJson'
  /** An input does not match the model's input shape. */
  | 'Model.ShapeMismatch'
  /** An input value is not a finite number. */
  | 'Model.InvalidInput'
  /** The calibration set is empty or unusable. */
  | 'Model.InvalidCalibration'
  /** A quantized input lies outside the calibrated input range. */
  | 'Model.InputOutOfRange'
  /** An activation leaves the range its layer's range check allows: no witness exists. */
  | 'Model.ActivationOutOfRange'
  /** The quantized model does not fit the field or the compiler's limits. */
  | 'Model.QuantizationFailed'
  /** A model directory misses a file or holds an inconsistent one. */
  | 'Model.InvalidModelDir'
  /** A powers-of-tau file does not match its published hash, is too small or not prepared for phase 2. */
  | 'Model.PtauMismatch'
  /** A command-line usage error. */
  | 'Model.Usage'
  /** circom failed on the generated circuit (a compiler bug: please report). */
  | 'Model.CircuitCompileFailed'
  /** snarkjs failed during the setup. */
  | 'Model.SetupFailed'
  /** Proving failed or the fresh proof did not verify. */
  | 'Model.ProofFailed'
  /** A proof does not verify (`verify`), or the setup does not verify (`verify-setup`). */
  | 'Model.VerificationFailed';

const BAD_INPUT: ReadonlySet<ModelCompilerErrorCode> = new Set<ModelCompilerErrorCode>([
  'Model.MalformedOnnx',
  'Model.UnsupportedOp',
  'Model.UnsupportedAttribute',
  'Model.UnsupportedGraph',
  'Model.InvalidJson',
  'Model.ShapeMismatch',
  'Model.InvalidInput',
  'Model.InvalidCalibration',
  'Model.InputOutOfRange',
  'Model.ActivationOutOfRange',
  'Model.InvalidModelDir',
  'Model.PtauMismatch',
  'Model.Usage',
  'Model.VerificationFailed',
]);

/** The compiler's error: `code` says what went wrong, `details` carries structured context (never secrets). */
export class ModelCompilerError extends Error {
  readonly code: ModelCompilerErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ModelCompilerErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ModelCompilerError';
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

export function isModelCompilerError(e: unknown): e is ModelCompilerError {
  return e instanceof ModelCompilerError;
}

/** True for the codes that mean "the caller's input is wrong" (CLI exit status 2). */
export function isBadInput(e: unknown): boolean {
  return isModelCompilerError(e) && BAD_INPUT.has(e.code);
}
