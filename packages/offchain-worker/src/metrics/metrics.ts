/**
 * The worker's Prometheus metrics, on a registry of its own (several workers may share a
 * process, e.g. in tests and the local stack). Names are `modelproof_worker_*`.
 *
 * Label values are bounded, public identifiers (queue names, job kinds, error codes); they go
 * through {@link safeLabel}, so an arbitrary string (which might carry a secret) never becomes
 * a label value.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

import type { JobKind } from '../kinds/index.js';

export type { JobKind } from '../kinds/index.js';

export const METRIC_PREFIX = 'modelproof_worker_';

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Blocks between the chain's best head and the last finalized block the listener processed. */
  readonly headLag: Gauge<never>;
  /** Jobs in each queue by state (waiting, active, delayed, failed, …). */
  readonly queueDepth: Gauge<'queue' | 'state'>;
  /** Wall time of a job from start to its result being submitted, by kind and outcome. */
  readonly jobDuration: Histogram<'kind' | 'outcome'>;
  /** Time to generate a Groth16 proof (witness + proof), by circuit shape. */
  readonly proofTime: Histogram<'circuit'>;
  /** Failed jobs / operations by kind and reason (an error code like `Ipfs.Timeout`). */
  readonly failures: Counter<'kind' | 'reason'>;
  /** Transactions submitted and not yet included (or dropped). */
  readonly inflightTransactions: Gauge<never>;
  /** Jobs this worker saw and did not claim, by reason (`reward-too-low`, `deadline-too-close`, …). */
  readonly claimsSkipped: Counter<'reason'>;
  /** Jobs handed back without a slash, by reason (`InputUnavailable`, `Withdrawn`, …). */
  readonly handBacks: Counter<'reason'>;
  /** 1 while the worker's on-chain bond is at least `ComputeJobs.WorkerBond` (it may claim), else 0. */
  readonly bondOk: Gauge<never>;
  /** The worker's on-chain bond in planck (0 when not registered). */
  readonly bondPlanck: Gauge<never>;
  /** Constant 1, labelled with the worker's version and public address. */
  readonly info: Gauge<'version' | 'address'>;
  /** Prometheus text exposition of every metric. */
  text(): Promise<string>;
  readonly contentType: string;
}

export interface CreateMetricsOptions {
  /** Also collect the process metrics (CPU, memory, event-loop lag, …); default true. */
  processMetrics?: boolean;
}

const LABEL_RE = /^[A-Za-z0-9_.:\-/]{1,64}$/;
/** Also rejects label values that look like key material (long hex / base64 runs). */
const KEYISH_RE = /(?:0x)?[0-9a-fA-F]{40,}|[A-Za-z0-9+/]{40,}/;

/** A label value as given if it is a short identifier, `other` otherwise. */
export function safeLabel(value: string): string {
  return LABEL_RE.test(value) && !KEYISH_RE.test(value) ? value : 'other';
}

/** Creates the worker's metrics on a fresh registry. */
export function createMetrics(options: CreateMetricsOptions = {}): WorkerMetrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  const registers = [registry];

  const headLag = new Gauge({
    name: `${METRIC_PREFIX}head_lag_blocks`,
    help: 'Blocks between the best head and the last finalized block processed by the event listener.',
    registers,
  });
  const queueDepth = new Gauge({
    name: `${METRIC_PREFIX}queue_depth`,
    help: 'Jobs in a queue, by queue and state.',
    labelNames: ['queue', 'state'] as const,
    registers,
  });
  const jobDuration = new Histogram({
    name: `${METRIC_PREFIX}job_duration_seconds`,
    help: 'Duration of a job from start to submitted result, by kind and outcome.',
    labelNames: ['kind', 'outcome'] as const,
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800],
    registers,
  });
  const proofTime = new Histogram({
    name: `${METRIC_PREFIX}proof_time_seconds`,
    help: 'Time to compute a witness and Groth16 proof, by circuit.',
    labelNames: ['circuit'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
    registers,
  });
  const failures = new Counter({
    name: `${METRIC_PREFIX}failures_total`,
    help: 'Failures by job kind and reason (error code).',
    labelNames: ['kind', 'reason'] as const,
    registers,
  });
  const inflightTransactions = new Gauge({
    name: `${METRIC_PREFIX}inflight_transactions`,
    help: 'Transactions submitted and not yet included or dropped.',
    registers,
  });
  const claimsSkipped = new Counter({
    name: `${METRIC_PREFIX}claims_skipped_total`,
    help: 'Jobs seen and not claimed, by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const handBacks = new Counter({
    name: `${METRIC_PREFIX}hand_backs_total`,
    help: 'Jobs handed back (hand_back_job, no slash), by reason.',
    labelNames: ['reason'] as const,
    registers,
  });
  const bondOk = new Gauge({
    name: `${METRIC_PREFIX}bond_ok`,
    help: '1 while the on-chain bond is at least ComputeJobs.WorkerBond (claims allowed), else 0.',
    registers,
  });
  const bondPlanck = new Gauge({
    name: `${METRIC_PREFIX}bond_planck`,
    help: 'The on-chain bond in planck (0 when not registered).',
    registers,
  });
  const info = new Gauge({
    name: `${METRIC_PREFIX}info`,
    help: 'Constant 1; labels: worker version and public SS58 address.',
    labelNames: ['version', 'address'] as const,
    registers,
  });

  return {
    registry,
    headLag,
    queueDepth: sanitized(queueDepth),
    jobDuration: sanitized(jobDuration),
    proofTime: sanitized(proofTime),
    failures: sanitized(failures),
    inflightTransactions,
    claimsSkipped: sanitized(claimsSkipped),
    handBacks: sanitized(handBacks),
    bondOk,
    bondPlanck,
    info, // set once by the daemon with the version and the public SS58 address (not an identifier safeLabel accepts)
    text: () => registry.metrics(),
    contentType: registry.contentType,
  };
}

/**
 * Wraps `labels()` and the label-taking methods so every label value passes {@link safeLabel}.
 * Proxy over the metric: the prom-client object keeps its type and behaviour otherwise.
 */
function sanitized<M extends object>(metric: M): M {
  const clean = (labels: unknown): unknown => {
    if (typeof labels !== 'object' || labels === null) return labels;
    return Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, typeof v === 'string' ? safeLabel(v) : v]));
  };
  const takesLabels = new Set(['inc', 'dec', 'set', 'observe', 'startTimer', 'labels', 'remove', 'zero']);
  return new Proxy(metric, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || !takesLabels.has(prop)) return value;
      return (...args: unknown[]) => {
        if (prop === 'labels' && args.length > 0 && typeof args[0] !== 'object') {
          return (value as (...a: unknown[]) => unknown).apply(target, args.map((a) => (typeof a === 'string' ? safeLabel(a) : a)));
        }
        const result = (value as (...a: unknown[]) => unknown).apply(target, [clean(args[0]), ...args.slice(1)]);
        if (prop === 'startTimer' && typeof result === 'function') {
          // the timer's end function takes labels too
          return (labels?: unknown) => (result as (l?: unknown) => unknown)(clean(labels));
        }
        return result;
      };
    },
  });
}
