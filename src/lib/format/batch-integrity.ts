/**
 * What a decoded batch must satisfy before bufctl trusts its rows: every buffer a column's layout
 * reads lies inside the body. Damaged metadata that framing cannot see is caught here. String
 * contents are not judged: invalid UTF-8 is kept, as the exporter keeps it (see utf8-repair).
 */
import { Type, type Data, type RecordBatch } from 'apache-arrow'

/**
 * Checks that every column's buffers can hold the rows the metadata claims: lengths agree,
 * validity bitmaps, fixed-width values and variable-width offsets stay inside their buffers, and
 * dictionary indices inside their dictionary. Damaged metadata otherwise yields rows that were
 * never written, or reads outside the body.
 */
export function assertBatchIntegrity(batch: RecordBatch): void {
  for (const [index, child] of batch.data.children.entries()) {
    const name = batch.schema.fields[index]?.name ?? String(index)
    if (child.length !== batch.numRows) throw new Error(`column ${name} has ${child.length} rows, the batch ${batch.numRows}`)
    checkData(child, name)
  }
}

function checkData(data: Data, name: string): void {
  const end = data.offset + data.length
  const fail = (what: string): never => {
    throw new Error(`column ${name}: ${what}`)
  }
  if (data.length < 0 || data.offset < 0) fail('negative length or offset')
  if (data.typeId !== Type.Null && data.nullCount > 0 && ((data.nullBitmap as Uint8Array | undefined) ?? new Uint8Array(0)).length * 8 < end)
    fail('validity bitmap shorter than the column')
  if (data.nullCount > 0 && data.typeId !== Type.Null) {
    let nulls = 0
    for (let i = data.offset; i < end; i++) if (!isSet(data.nullBitmap, i)) nulls++
    if (nulls !== data.nullCount) fail(`null count ${data.nullCount} but ${nulls} nulls in the validity bitmap`)
  }
  const values = data.values as ArrayLike<unknown> | undefined
  switch (data.typeId) {
    case Type.Null:
      return
    case Type.Bool:
      if ((values?.length ?? 0) * 8 < end) fail('boolean values shorter than the column')
      return
    case Type.Utf8:
    case Type.Binary:
    case Type.LargeUtf8:
    case Type.LargeBinary: {
      // A column without rows may have no offsets at all (Arrow C++, Go and Rust read it so).
      if (data.length === 0) return
      const offsets = data.valueOffsets as ArrayLike<number | bigint> | undefined
      if (!offsets || offsets.length < end + 1) fail('value offsets shorter than the column')
      const first = Number(offsets![data.offset]!)
      const last = Number(offsets![end]!)
      if (first < 0 || last < first || last > (values?.length ?? 0)) fail(`value offsets ${first}..${last} outside ${values?.length ?? 0} bytes of data`)
      // Invalid UTF-8 is not damage: the exporter keeps such strings (utf8-repair deals with them).
      for (let i = data.offset; i < end; i++) {
        if (Number(offsets![i + 1]!) < Number(offsets![i]!)) fail(`value offsets decrease at row ${i - data.offset}`)
      }
      return
    }
    case Type.Dictionary: {
      if ((values?.length ?? 0) < end) fail('dictionary indices shorter than the column')
      const dictionary = data.dictionary
      const size = dictionary?.length ?? 0
      for (let i = data.offset; i < end; i++) {
        const key = Number((values as ArrayLike<number | bigint>)[i]!)
        if ((key < 0 || key >= size) && (data.nullCount === 0 || isSet(data.nullBitmap, i))) fail(`dictionary index ${key} outside a dictionary of ${size}`)
      }
      for (const chunk of (dictionary?.data ?? []) as Data[]) checkData(chunk, `${name} (dictionary)`)
      return
    }
    case Type.List:
    case Type.LargeList:
    case Type.Map: {
      const offsets = data.valueOffsets as ArrayLike<number | bigint> | undefined
      const child = data.children[0]
      if (data.length === 0 && child) return
      if (!offsets || offsets.length < end + 1 || !child) fail('list offsets shorter than the column')
      for (let i = data.offset; i < end; i++) {
        if (Number(offsets![i + 1]!) < Number(offsets![i]!)) fail(`list offsets decrease at row ${i - data.offset}`)
      }
      const first = Number(offsets![data.offset]!)
      const last = Number(offsets![end]!)
      if (first < 0 || last > child!.offset + child!.length) fail(`list offsets ${first}..${last} outside a child of ${child!.length} values`)
      checkData(child!, name)
      return
    }
    case Type.FixedSizeList: {
      const child = data.children[0]
      const size = (data.type as unknown as { listSize: number }).listSize
      if (!child || child.offset + child.length < end * size) fail('fixed-size list values shorter than the column')
      checkData(child!, name)
      return
    }
    case Type.Struct:
      for (const child of data.children) {
        if (child.offset + child.length < end) fail('a struct child shorter than the column')
        checkData(child, name)
      }
      return
    case Type.Utf8View:
    case Type.BinaryView:
      checkViews(data, end, fail)
      return
    default:
      if (data.children.length > 0) return // unions and the like are refused before decoding (type-support)
      if (values && data.stride > 0 && values.length < end * data.stride) fail(`values (${values.length}) shorter than the column (${end} × ${data.stride})`)
  }
}

/** Each 16-byte view: inline up to 12 bytes, else a (buffer, offset, length) inside that variadic buffer. */
function checkViews(data: Data, end: number, fail: (what: string) => never): void {
  const views = data.values as Uint8Array | undefined
  if (!views || views.byteLength < end * 16) return fail('views shorter than the column')
  const view = new DataView(views.buffer, views.byteOffset, views.byteLength)
  for (let i = data.offset; i < end; i++) {
    if (data.nullCount > 0 && !isSet(data.nullBitmap, i)) continue
    const length = view.getInt32(i * 16, true)
    if (length < 0) fail(`a view of negative length at row ${i - data.offset}`)
    if (length <= 12) continue
    const buffer = data.variadicBuffers[view.getInt32(i * 16 + 8, true)]
    const offset = view.getInt32(i * 16 + 12, true)
    if (!buffer || offset < 0 || offset + length > buffer.byteLength) fail(`a view at row ${i - data.offset} points outside its data buffers`)
  }
}

function isSet(bitmap: Uint8Array | undefined, index: number): boolean {
  return !bitmap || bitmap.length === 0 || (bitmap[index >> 3]! & (1 << (index & 7))) !== 0
}
