/**
 * The worker's default components: the pipeline of DESIGN.md "Off-chain worker" (`chain`,
 * `queues`, `listener`; see `../pipeline`) with the built-in processors for the job kinds the
 * configuration enables (`jobs.inference`, `jobs.aggregation`). A file registered with
 * `registerProcessor(kind, file)` replaces the built-in processor of that kind. With every
 * kind disabled the worker runs no pipeline: config, keys, metrics and /healthz only.
 */
import { existsSync } from 'node:fs';

import { ModelproofError } from '../errors.js';
import { JOB_KINDS } from '../kinds/index.js';
import { createPipeline, type ProcessorFiles, registeredProcessors } from '../pipeline/index.js';
import type { ComponentFactory } from './component.js';

export const defaultComponents: ComponentFactory = (context) => {
  const { jobs } = context.config;
  const registered = registeredProcessors();
  const processors: ProcessorFiles = {};
  for (const kind of JOB_KINDS) {
    if (!jobs[kind.name]) continue;
    const file = registered[kind.name] ?? kind.processorFile();
    if (!existsSync(file)) {
      throw new ModelproofError('Worker.ProcessorMissing', `the ${kind.name} processor ${file} does not exist; build the worker first (npm run build)`);
    }
    processors[kind.name] = file;
  }
  if (Object.keys(processors).length === 0) return [];
  return createPipeline(context, { processors, autoClaim: jobs.autoClaim, processorEnv: context.env }).components;
};
