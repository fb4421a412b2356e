// The Prometheus room: an HTTP API client with classified errors, range splitting and bounded concurrency.
export * from './client.js';
export * from './errors.js';
export { MAX_POINTS_PER_SERIES, splitRange, type RangeChunk } from './range-chunks.js';
export { Semaphore } from './semaphore.js';
export { promSource, type ClientPromSource } from './prom-source.js';
