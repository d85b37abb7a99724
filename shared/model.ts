// Records as they cross a process boundary (engine → API/renderer), one file per signal or part;
// this file names them all, for the modules that import them from here. Times are RFC 3339
// strings; inside the engine every time is an integer number of microseconds since the epoch.
export type * from './logs.js';
export type * from './sources.js';
export type * from './traces.js';
export type * from './metrics.js';
export type * from './analysis.js';
export type * from './engine-status.js';
