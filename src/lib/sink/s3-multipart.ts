/**
 * One output written as an S3 object, its parts made of the chunks the writer is given: a chunk is
 * kept (a copy, as chunks are lent) until the kept ones reach the smallest part S3 takes, and they
 * go out as one part (joined only when there are several), awaited before more is taken. An output
 * thus holds about one part in memory however large it grows, and a chunk of a part's size or more
 * that arrives with nothing kept is sent as it is. (lib-storage's Upload copies every part out of the chunks it received and keeps that
 * copy alive until the next part: two to three parts per output.) Nothing appears under the key
 * until CompleteMultipartUpload, or the one PutObject of an output smaller than a part; a failure
 * aborts the upload.
 */
import type { CompletedPart } from '@aws-sdk/client-s3'
import type { S3Connection } from './s3-connection.js'
import type { OutputWriter, WriteEvents } from './output-sink.js'

/** The smallest part S3 takes (every part but the last): one in flight per output, outputs upload side by side. */
export const PART_BYTES = 5 * 1024 * 1024

export interface MultipartTarget {
  readonly connection: S3Connection
  readonly bucket: string
  readonly key: string
  /** What the object carries beyond its bytes: content type, metadata, encryption, storage class. */
  readonly attributes: Record<string, unknown>
  readonly events?: WriteEvents
  /** The typed error for a failed call, naming the object. */
  readonly failure: (error: unknown) => Error
}

export class MultipartWriter implements OutputWriter {
  readonly #target: MultipartTarget
  readonly #cancel = new AbortController()
  /** Chunks not yet sent, and their bytes. */
  #kept: Uint8Array[] = []
  #keptBytes = 0
  #size = 0
  #uploaded = 0
  #uploadId: string | undefined
  readonly #parts: CompletedPart[] = []
  #checksumChoice: Promise<{ ChecksumAlgorithm?: 'CRC32' }> | undefined

  constructor(target: MultipartTarget) {
    this.#target = target
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.#kept.push(chunk)
    this.#keptBytes += chunk.byteLength
    this.#size += chunk.byteLength
    // A full part is sent only when more bytes come: an output of exactly one part stays one PutObject.
    if (this.#keptBytes > PART_BYTES) await this.#sendPart()
    // The chunk is lent until this resolves: one kept for a later part is copied.
    else this.#kept[this.#kept.length - 1] = new Uint8Array(chunk)
  }

  async commit(): Promise<number> {
    try {
      const { bucket: Bucket, key: Key } = this.#target
      const { sdk } = this.#target.connection
      if (this.#uploadId === undefined) {
        const put = new sdk.PutObjectCommand({ Bucket, Key, Body: this.#take(), ...this.#target.attributes })
        await this.#send((client, abortSignal) => client.send(put, { abortSignal }))
        this.#progress(this.#size)
      } else {
        if (this.#keptBytes > 0) await this.#sendPart()
        const UploadId = this.#uploadId
        const complete = new sdk.CompleteMultipartUploadCommand({ Bucket, Key, UploadId, MultipartUpload: { Parts: this.#parts } })
        await this.#send((client, abortSignal) => client.send(complete, { abortSignal }))
      }
      return this.#size
    } catch (error) {
      await this.abort()
      throw error
    }
  }

  async abort(): Promise<void> {
    this.#cancel.abort()
    this.#kept = []
    const UploadId = this.#uploadId
    if (UploadId === undefined) return
    const { bucket: Bucket, key: Key, connection } = this.#target
    // Not under the cancelled signal; an upload already completed or aborted answers NoSuchUpload, which is fine.
    await connection.client.send(new connection.sdk.AbortMultipartUploadCommand({ Bucket, Key, UploadId })).catch(() => undefined)
  }

  /** The kept chunks as one body (joined only when there are several); they are no longer kept. */
  #take(): Uint8Array {
    const kept = this.#kept
    this.#kept = []
    this.#keptBytes = 0
    return kept.length === 1 ? kept[0]! : Buffer.concat(kept)
  }

  async #sendPart(): Promise<void> {
    const { bucket: Bucket, key: Key, connection } = this.#target
    const UploadId = (this.#uploadId ??= await this.#start())
    const PartNumber = this.#parts.length + 1
    const checksums = await this.#checksums()
    const Body = this.#take()
    const part = new connection.sdk.UploadPartCommand({ Bucket, Key, UploadId, PartNumber, Body, ...checksums })
    const answer = await this.#send((client, abortSignal) => client.send(part, { abortSignal }))
    if (!answer.ETag) throw this.#target.failure(new Error(`the store gave no ETag for part ${PartNumber}`))
    const { ChecksumCRC32 } = answer
    this.#parts.push({ PartNumber, ETag: answer.ETag, ...(ChecksumCRC32 ? { ChecksumCRC32 } : {}) })
    this.#progress(this.#uploaded + Body.byteLength)
  }

  /** Starts the multipart upload and tells its id (a crash from here on can leave it behind). */
  async #start(): Promise<string> {
    const { bucket: Bucket, key: Key, connection, attributes } = this.#target
    const create = new connection.sdk.CreateMultipartUploadCommand({ Bucket, Key, ...attributes, ...(await this.#checksums()) })
    const answer = await this.#send((client, abortSignal) => client.send(create, { abortSignal }))
    if (!answer.UploadId) throw this.#target.failure(new Error('the store gave no upload id'))
    this.#target.events?.started?.(answer.UploadId)
    return answer.UploadId
  }

  /** As the SDK would for AWS itself: CRC32 over every part, when the client computes checksums it is not required to. Asked once per output. */
  #checksums(): Promise<{ ChecksumAlgorithm?: 'CRC32' }> {
    this.#checksumChoice ??= this.#target.connection.client.config
      .requestChecksumCalculation()
      .then((when): { ChecksumAlgorithm?: 'CRC32' } => (when === 'WHEN_SUPPORTED' ? { ChecksumAlgorithm: 'CRC32' } : {}))
    return this.#checksumChoice
  }

  #progress(bytes: number): void {
    this.#uploaded = bytes
    this.#target.events?.progress?.(bytes)
  }

  /** A call under this writer's cancellation, its failure as bufctl's typed error. */
  async #send<T>(call: (client: S3Connection['client'], abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await call(this.#target.connection.client, this.#cancel.signal)
    } catch (error) {
      throw this.#target.failure(error)
    }
  }
}
