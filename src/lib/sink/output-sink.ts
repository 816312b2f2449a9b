/**
 * Where Parquet files go. A sink names outputs by their path relative to its root
 * (`<table>/data/<partition>/<name>.parquet`) and makes each appear whole or not at all: bytes are
 * written under a hidden name and only commit() makes them visible under the final one.
 */

export interface OutputWriter {
  /** Takes a chunk lent until the returned promise settles (the caller may free it then): a writer that keeps bytes longer copies them. */
  write(chunk: Uint8Array): Promise<void>
  /** Makes the output durable under its final name; resolves to its size in bytes. */
  commit(): Promise<number>
  /** Drops what was written; the final name is left as it was. */
  abort(): Promise<void>
}

/** What a sink tells about an output while it is written. */
export interface WriteEvents {
  /** A half-written output got a name in the store (an S3 multipart upload id) that a crash could leave behind. */
  started?(partial: string): void
  /** Bytes of the output the store holds so far. */
  progress?(bytes: number): void
}

/** A finished output opened for reading ranges (a footer, say); close() on every path. */
export interface OutputReader {
  readonly byteLength: number
  slice(start: number, end?: number): Promise<ArrayBuffer>
  close(): Promise<void>
}

export interface OutputSink {
  /** The output root as reports and the commit journal name it: an absolute path or a URL. */
  readonly root: string
  /** The full location (path or URL) of an output. */
  locate(relative: string): string
  /**
   * Fails (with an error naming the root and what to do) when outputs cannot be written there.
   * Leaves nothing behind; with `writeNothing` (a dry run), it writes nothing even for a moment.
   */
  checkWritable(options?: { readonly writeNothing?: boolean }): Promise<void>
  create(relative: string, events?: WriteEvents): Promise<OutputWriter>
  /** A finished output, or undefined when there is none. */
  open(relative: string): Promise<OutputReader | undefined>
  /** Removes a finished output and any half-written one of the same name; one already gone is fine. */
  remove(relative: string, partials?: readonly string[]): Promise<void>
  /** Removes only what a writer left half-written under an output's name (`partials`: names WriteEvents.started told). */
  removePartial(relative: string, partials?: readonly string[]): Promise<void>
  /** Releases connections; the sink is not used after. */
  close(): Promise<void>
}

/** An output made durable. */
export interface WrittenOutput {
  /** Full location (see OutputSink.locate). */
  readonly path: string
  /** Relative to the sink's root. */
  readonly relative: string
  readonly partition: string
  readonly rows: number
  readonly bytes: number
}

/** Writes a stream of bytes as one output; aborts it on any failure or when `signal` fires. Resolves to its size. */
export async function writeOutput(sink: OutputSink, relative: string, bytes: AsyncIterable<Uint8Array>, signal?: AbortSignal, events?: WriteEvents): Promise<number> {
  const writer = await sink.create(relative, events)
  try {
    for await (const chunk of bytes) {
      signal?.throwIfAborted()
      await writer.write(chunk)
    }
  } catch (error) {
    await writer.abort().catch(() => undefined)
    throw error
  }
  return writer.commit()
}
