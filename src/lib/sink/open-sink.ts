/**
 * The sinks of a run, one per output root as the command line and the commit journals name them
 * (a directory, or an s3:// URL); the run closes them all at its end. A journal names its output
 * root, never how to reach it: S3 roots are reached with this run's settings.
 */
import { resolve } from 'node:path'
import { LocalSink } from './local-sink.js'
import { parseOutputRoot } from './output-root.js'
import type { OutputSink } from './output-sink.js'
import { S3Sink } from './s3-sink.js'
import type { S3Settings } from '../options/s3-settings.js'

export interface SinkSettings {
  readonly s3?: S3Settings
}

export class OutputSinks {
  readonly #settings: SinkSettings
  readonly #open = new Map<string, OutputSink>()

  constructor(settings: SinkSettings = {}) {
    this.#settings = settings
  }

  /** The sink for `root`; throws InvalidOptionsError for a URL bufctl does not write to. */
  open(root: string): OutputSink {
    const parsed = parseOutputRoot(root)
    const key = parsed.kind === 'local' ? resolve(parsed.path) : parsed.url
    let sink = this.#open.get(key)
    if (!sink) {
      sink = parsed.kind === 'local' ? new LocalSink(parsed.path) : new S3Sink(parsed, this.#settings.s3)
      this.#open.set(key, sink)
    }
    return sink
  }

  async close(): Promise<void> {
    const sinks = [...this.#open.values()]
    this.#open.clear()
    await Promise.all(sinks.map((sink) => sink.close()))
  }
}
