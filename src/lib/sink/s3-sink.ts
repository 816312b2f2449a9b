/**
 * Outputs as objects in S3 (or any S3-compatible store), under `<prefix>/<relative path>`. Each
 * output streams into a multipart upload, its parts made of the encoder's chunks (s3-multipart),
 * so memory stays bounded whatever the file's size; the object appears whole when the upload completes, or
 * not at all. Half-written outputs are the incomplete multipart uploads of a key: removePartial aborts
 * them, both those a journal recorded and those the store lists (a crash can come between starting
 * an upload and recording it).
 */
import { randomBytes } from 'node:crypto'
import { bufctlVersion } from './bufctl-version.js'
import { connect, type S3Connection } from './s3-connection.js'
import { storeError } from './s3-errors.js'
import { MultipartWriter } from './s3-multipart.js'
import type { S3Settings } from '../options/s3-settings.js'
import type { OutputReader, OutputSink, OutputWriter, WriteEvents } from './output-sink.js'

export interface S3Location {
  readonly bucket: string
  readonly prefix: string
  readonly url: string
}

export class S3Sink implements OutputSink {
  readonly root: string
  readonly #location: S3Location
  readonly #settings: S3Settings
  #connection: Promise<S3Connection> | undefined

  constructor(location: S3Location, settings: S3Settings = {}) {
    this.root = location.url
    this.#location = location
    this.#settings = settings
  }

  locate(relative: string): string {
    return `${this.root}/${relative}`
  }

  /** One cheap write and its removal, before any table is touched: reachable, and writable (a dry run: reachable). */
  async checkWritable(options: { readonly writeNothing?: boolean } = {}): Promise<void> {
    const connection = await this.#connect()
    const key = this.#key(`.bufctl-probe-${randomBytes(8).toString('hex')}`)
    const signal = AbortSignal.timeout(connection.timeoutMs)
    const { PutObjectCommand, DeleteObjectCommand, HeadBucketCommand } = connection.sdk
    // Failures name the output root, not the probe's key.
    const root = this.root
    if (options.writeNothing) {
      await this.#call(key, 's3:ListBucket', () => connection.client.send(new HeadBucketCommand({ Bucket: this.#location.bucket }), { abortSignal: signal }), root)
      return
    }
    // With the objects' own options, so that a wrong KMS key or storage class fails here, not mid-table.
    const probe = new PutObjectCommand({ Bucket: this.#location.bucket, Key: key, Body: new Uint8Array(0), ...this.#objectOptions() })
    await this.#call(key, 's3:PutObject', () => connection.client.send(probe, { abortSignal: signal }), root)
    await this.#call(key, 's3:DeleteObject', () => connection.client.send(new DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key }), { abortSignal: signal }), root)
  }

  async create(relative: string, events?: WriteEvents): Promise<OutputWriter> {
    const connection = await this.#connect()
    const key = this.#key(relative)
    const attributes = {
      ContentType: 'application/vnd.apache.parquet',
      // Traces an object back to what wrote it and from which table.
      Metadata: { 'bufctl-version': bufctlVersion(), 'bufctl-table': relative.split('/')[0]! },
      ...this.#objectOptions(),
    }
    const failure = (error: unknown) => storeError(error, this.#callOf(key, 's3:PutObject', connection))
    return new MultipartWriter({ connection, bucket: this.#location.bucket, key, attributes, ...(events ? { events } : {}), failure })
  }

  async open(relative: string): Promise<OutputReader | undefined> {
    const connection = await this.#connect()
    const key = this.#key(relative)
    const { HeadObjectCommand, GetObjectCommand } = connection.sdk
    const bucket = this.#location.bucket
    let size: number
    try {
      const head = await connection.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      size = head.ContentLength ?? 0
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw storeError(error, this.#callOf(key, 's3:GetObject', connection))
    }
    return {
      byteLength: size,
      slice: async (start, end = size) => {
        if (end <= start) return new ArrayBuffer(0)
        const object = await this.#call(key, 's3:GetObject', () => connection.client.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` })))
        const bytes = await object.Body!.transformToByteArray()
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
      },
      close: async () => undefined,
    }
  }

  async remove(relative: string, partials: readonly string[] = []): Promise<void> {
    const connection = await this.#connect()
    const key = this.#key(relative)
    await this.#call(key, 's3:DeleteObject', () => connection.client.send(new connection.sdk.DeleteObjectCommand({ Bucket: this.#location.bucket, Key: key })))
    await this.removePartial(relative, partials)
  }

  async removePartial(relative: string, partials: readonly string[] = []): Promise<void> {
    const connection = await this.#connect()
    const key = this.#key(relative)
    const { ListMultipartUploadsCommand, AbortMultipartUploadCommand } = connection.sdk
    const ids = new Set(partials)
    // Uploads a crash started before the journal could name them are found by listing; a store
    // that cannot list them (some S3-compatible ones) leaves those to the bucket's lifecycle rule:
    // an incomplete upload is no object, so no reader ever sees it.
    const listed = await this.#call(key, 's3:ListBucketMultipartUploads', () =>
      connection.client.send(new ListMultipartUploadsCommand({ Bucket: this.#location.bucket, Prefix: key })),
    ).catch((error: unknown) => (unsupported(error) ? undefined : Promise.reject(error instanceof Error ? error : new Error(String(error)))))
    for (const upload of listed?.Uploads ?? []) if (upload.Key === key && upload.UploadId) ids.add(upload.UploadId)
    for (const id of ids) {
      try {
        await connection.client.send(new AbortMultipartUploadCommand({ Bucket: this.#location.bucket, Key: key, UploadId: id }))
      } catch (error) {
        // Completed or aborted already: nothing is left half-written under that id.
        if ((error as Error).name !== 'NoSuchUpload') throw storeError(error, this.#callOf(key, 's3:AbortMultipartUpload', connection))
      }
    }
  }

  async close(): Promise<void> {
    const connection = this.#connection
    this.#connection = undefined
    if (connection) (await connection.catch(() => undefined))?.client.destroy()
  }

  /** What the operator set for every object: encryption and storage class. */
  #objectOptions() {
    const { sse, kmsKeyId, storageClass } = this.#settings
    return {
      ...(sse ? { ServerSideEncryption: sse } : {}),
      ...(sse === 'aws:kms' && kmsKeyId ? { SSEKMSKeyId: kmsKeyId } : {}),
      ...(storageClass ? { StorageClass: storageClass as never } : {}),
    }
  }

  #connect(): Promise<S3Connection> {
    this.#connection ??= connect(this.#settings)
    return this.#connection
  }

  #key(relative: string): string {
    return this.#location.prefix ? `${this.#location.prefix}/${relative}` : relative
  }

  #callOf(key: string, action: string, connection: S3Connection, url = `s3://${this.#location.bucket}/${key}`) {
    return { url, bucket: this.#location.bucket, endpoint: connection.endpoint, action }
  }

  async #call<T>(key: string, action: string, send: () => Promise<T>, url?: string): Promise<T> {
    const connection = await this.#connect()
    try {
      return await send()
    } catch (error) {
      throw storeError(error, this.#callOf(key, action, connection, url))
    }
  }
}

/** The store does not implement the call (501 NotImplemented, 405 MethodNotAllowed), as the error storeError made says. */
function unsupported(error: unknown): boolean {
  const cause = (error as { cause?: { name?: string; $metadata?: { httpStatusCode?: number } } }).cause ?? (error as { name?: string; $metadata?: { httpStatusCode?: number } })
  const status = cause.$metadata?.httpStatusCode
  return cause.name === 'NotImplemented' || cause.name === 'MethodNotAllowed' || status === 501 || status === 405
}

function isNotFound(error: unknown): boolean {
  const name = (error as Error).name
  return name === 'NotFound' || name === 'NoSuchKey' || (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
}
