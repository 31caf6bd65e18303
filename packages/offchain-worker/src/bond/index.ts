/**
 * The worker's bond health. The chain refuses claims from a worker whose bond was slashed below
 * `ComputeJobs.WorkerBond` (`BondTooLow`), and every claim backed by a thin bond risks what is
 * left of it: below the minimum the worker stops claiming altogether until the operator
 * deregisters and registers again (which holds a whole new bond).
 *
 * The bond is read from chain when the pipeline starts, after every `JobExpired` that slashed
 * this worker, and when a claim fails with `BondTooLow`. It shows as the `/healthz` component
 * `bond`, the gauges `modelproof_worker_bond_ok` and `modelproof_worker_bond_planck`, and one
 * warning each time it falls below the minimum.
 */
import { type DecodedEvent, type ModelproofClient, getWorker } from '@modelproof/sdk';

import type { Component } from '../daemon/component.js';
import type { BlockHandler } from '../listener/index.js';
import type { Logger } from '../log/index.js';
import type { ComponentHealth, WorkerMetrics } from '../metrics/index.js';
import { sameAccount } from '../protocol/index.js';

export interface BondMonitorOptions {
  client: ModelproofClient;
  /** This worker's account (SS58). */
  address: string;
  /** The runtime's `ComputeJobs.WorkerBond`. */
  minimum: bigint;
  metrics: WorkerMetrics;
  logger: Logger;
}

interface BondState {
  registered: boolean;
  bond: bigint;
}

export class BondMonitor implements Component, BlockHandler {
  readonly name = 'bond';
  private state: BondState | undefined;

  constructor(private readonly o: BondMonitorOptions) {}

  /** True while the bond is known and at least the minimum. */
  get canClaim(): boolean {
    return this.state !== undefined && this.state.registered && this.state.bond >= this.o.minimum;
  }

  async start(): Promise<void> {
    await this.refresh();
  }

  async stop(): Promise<void> {}

  health(): ComponentHealth {
    if (this.state === undefined) return { ok: false, detail: 'bond not read yet' };
    if (this.canClaim) return { ok: true, detail: `bond ${this.state.bond}` };
    return { ok: false, detail: this.problem(this.state) };
  }

  /** Reads the bond from chain; logs a warning when it has just fallen below the minimum. */
  async refresh(): Promise<void> {
    const worker = await getWorker(this.o.client, this.o.address);
    const wasOk = this.state === undefined ? true : this.canClaim;
    this.state = { registered: worker !== null, bond: worker?.bond ?? 0n };
    this.o.metrics.bondOk.set(this.canClaim ? 1 : 0);
    this.o.metrics.bondPlanck.set(Number(this.state.bond));
    if (wasOk && !this.canClaim) this.o.logger.warn('not claiming any more jobs', { reason: this.problem(this.state) });
    else if (!wasOk && this.canClaim) this.o.logger.info('bond restored; claiming again', { bond: this.state.bond });
  }

  async onEvent(event: DecodedEvent): Promise<void> {
    if (event.method !== 'JobExpired') return;
    const slashed = (event.data['slashed'] as Array<[string, unknown]> | undefined) ?? [];
    if (slashed.some(([worker]) => sameAccount(worker, this.o.address))) await this.refresh();
  }

  private problem(state: BondState): string {
    if (!state.registered) return `${this.o.address} is not a registered worker: run modelproof-worker register`;
    return `bond ${state.bond} below the minimum ${this.o.minimum}: deregister and register again`;
  }
}
