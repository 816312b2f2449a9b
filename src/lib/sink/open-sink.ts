/** The sink for an output root as the command line and the commit journal name it. */
import { LocalSink } from './local-sink.js'
import type { OutputSink } from './output-sink.js'

export function openSink(root: string): OutputSink {
  return new LocalSink(root)
}
