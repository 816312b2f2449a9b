/**
 * ingest — feed Arrow IPC inputs into a table's buffer through the Manager, checked whole first;
 * with an output, its flushes go the way of flush and recover.
 * Imports: the ground, format/, buffer/, sink/, replay/.
 */
export { ingest, type IngestedInput, type IngestOptions, type IngestReport } from './ingest.js'
