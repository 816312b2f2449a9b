/**
 * How V8 collects bufctl's garbage, for every thread of the process. bufctl's heap is mostly
 * short-lived (records of files read, planned and let go), and by default V8 lets a thread's young
 * generation grow to 32 MiB and its old one to ~3× the live objects between full collections: a
 * drain of 50,000 small files held ~100 MiB of garbage at its peak that way. These settings keep
 * the young generation at its starting size and let the old one grow by a quarter; that drain
 * peaked at 294–306 MiB against 365–388 MiB without them (326–339 MiB when only the main thread set
 * them, which the encoder threads' start undid), in the same CPU time.
 *
 * Both are heuristics V8 reads at each collection, so they take effect set at run time, without a
 * second process to pass them to node. V8 puts a growth factor below 2 back to 2 whenever a thread's
 * heap is created: every thread calls this as it starts (bin/run.js, the encoder worker), and a
 * thread that starts an encoder thread calls it again until that thread runs (encoder-threads).
 */
import { setFlagsFromString } from 'node:v8'

export function collectGarbageEarly(): void {
  setFlagsFromString('--semi-space-growth-factor=1')
  setFlagsFromString('--heap-growing-percent=25')
}
