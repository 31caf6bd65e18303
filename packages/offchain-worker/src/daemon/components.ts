/**
 * ─── SEAM: the worker's pipeline is plugged in here ───────────────────────────────────────
 *
 * `start` runs the components this factory returns, in order, and stops them in reverse.
 * The pipeline of DESIGN.md "Off-chain worker" goes here as it is built, each in its own
 * module exposing a `Component`:
 *
 *   listener/   finalized-event listener, cursor in Redis        → enqueues jobs
 *   queues/     BullMQ queues (job ids from chain ids), DLQ       → queue depth metrics
 *   processors/ inference (ZK) and aggregation (SMPC) processors  → run outside the event loop
 *   submitter/  nonce-managed, idempotent submission               → in-flight tx metric
 *   ipfs/, crypto/ are used by processors, not components themselves.
 *
 * The pipeline (`../pipeline`: components `chain`, `queues`, `listener`) starts once a processor
 * file is registered with `registerProcessor(kind, file)`; until then the worker starts with no
 * pipeline: config, keys, metrics and /healthz only.
 */
import { createPipeline, registeredProcessors } from '../pipeline/index.js';
import type { ComponentFactory } from './component.js';

export const defaultComponents: ComponentFactory = (context) => {
  const processors = registeredProcessors();
  if (!processors.inference && !processors.aggregation) return [];
  return createPipeline(context, { processors }).components;
};
