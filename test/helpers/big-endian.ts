/**
 * Big-endian Arrow streams for the tests, made from little-endian ones: no writer the tests run
 * writes big-endian (Arrow C++ and arrow-go write their platform's order), but files from big-endian
 * machines exist and pyarrow reads them. The schema message is built again with its endianness set
 * to big (schema-copy), every field copied as it is; the bodies' values are swapped by bufctl's own
 * swap (ipc-normalize), which pyarrow then checks by reading the result.
 */
import { Endianness } from 'apache-arrow/fb/endianness'
import { bytesSource, scanStream } from '../../src/lib/format/index.js'
import { withBodiesSwapped } from '../../src/lib/format/ipc-normalize.js'
import { copySchemaMessage } from '../../src/lib/format/schema-copy.js'

export async function bigEndianStream(littleEndian: Uint8Array): Promise<Uint8Array> {
  const schemaFrame = (await scanStream(bytesSource(littleEndian))).messages[0]!
  const metadata = littleEndian.subarray(schemaFrame.metadataOffset, schemaFrame.metadataOffset + schemaFrame.metadataLength)
  return withBodiesSwapped(littleEndian, copySchemaMessage(metadata, { endianness: Endianness.Big }))
}
