export type { Component, ComponentFactory, DaemonContext } from './component.js';
export { defaultComponents } from './components.js';
export { type Daemon, type StartDaemonOptions, startDaemon } from './daemon.js';
