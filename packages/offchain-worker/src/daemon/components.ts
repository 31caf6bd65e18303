/**
 * The worker's default components: the pipeline of DESIGN.md "Off-chain worker" (`chain`,
 * `queues`, `listener`; see `../pipeline`) with the built-in processors for the job kinds the
 * configuration enables (`jobs.inference`, `jobs.aggregation`). A file registered with
 * `registerProcessor(kind, file)` replaces the built-in processor of that kind. With every
 * kind disabled the worker runs no pipeline: config, keys, metrics and /healthz only.
 */
import { existsSync } from 'node:fs';

import { ModelproofError } from '../errors.js';
import { createPipeline, type ProcessorFiles, registeredProcessors } from '../pipeline/index.js';
import { aggregationProcessorFile, inferenceProcessorFile } from '../processors/files.js';
import type { ComponentFactory } from './component.js';

const builtIn: Required<ProcessorFiles> = {
  get inference() {
    return inferenceProcessorFile();
  },
  get aggregation() {
    return aggregationProcessorFile();
  },
};

export const defaultComponents: ComponentFactory = (context) => {
  const { jobs } = context.config;
  const registered = registeredProcessors();
  const processors: ProcessorFiles = {};
  for (const kind of ['inference', 'aggregation'] as const) {
    if (!jobs[kind]) continue;
    const file = registered[kind] ?? builtIn[kind];
    if (!existsSync(file)) {
      throw new ModelproofError('Worker.ProcessorMissing', `the ${kind} processor ${file} does not exist; build the worker first (npm run build)`);
    }
    processors[kind] = file;
  }
  if (!processors.inference && !processors.aggregation) return [];
  return createPipeline(context, { processors, autoClaim: jobs.autoClaim, processorEnv: context.env }).components;
};
