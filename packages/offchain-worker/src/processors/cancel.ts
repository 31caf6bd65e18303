/** Cancellation of a sandboxed processor's work (kept apart from `./sandbox.ts`, which installs signal handlers when loaded). */
import { TransientError } from '../queues/index.js';

/**
 * `work`, or a transient `Pipeline.Cancelled` as soon as BullMQ cancels the job (`signal`, the
 * processor's third argument: the daemon cancels what still runs at shutdown). The job is then
 * retried later, by this worker after a restart or by another; work already under way (a proof)
 * ends with the sandbox process, which BullMQ stops next.
 */
export function unlessCancelled<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  const cancelled = (): TransientError => new TransientError('Pipeline.Cancelled', '[Pipeline.Cancelled] the worker cancelled the job (shutting down); it stays queued');
  if (signal.aborted) {
    work.catch(() => undefined); // its outcome no longer matters
    return Promise.reject(cancelled());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

