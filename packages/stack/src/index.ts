/** The local Modelproof stack behind `npm start`, as a library: `startStack` and the demo. */
export { StackError, type StackErrorCode } from './errors.js';
export { STACK_BLOCK_TIME_MS, type Stack, type StackOptions, startStack } from './stack.js';
export { type AggregationDemoResult, type DemoContext, type InferenceDemoResult, runAggregationDemo, runInferenceDemo, seededRandom } from './demo.js';
export { DEMO_MODEL_DIR, DEMO_MODEL_SOURCE, type DemoModel, OnnxReference, loadDemoModel } from './demo-model.js';
export { type ProvisionedWorker, type RunningWorker, type StackEndpoints, type WorkerConfigPatch, provisionWorkers, startWorker, workerBin } from './workers.js';
export { main, USAGE } from './cli.js';
