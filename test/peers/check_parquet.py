"""pyarrow's verdict on what bufctl wrote: for each case — an Arrow IPC stream and the Parquet files
written from it — whether pyarrow reads every file, and whether they hold the stream's rows and
values (in order, once its dictionaries are decoded and the Parquet columns are cast back to the
stream's types where Parquet has none of their own). Usage:

    python check_parquet.py <cases.json>

cases.json is a list of {"id", "source", "rows", "outputs": [paths]}; prints a JSON list of
{"id", "ok", "rows", "problem"} on stdout.
"""
import json
import sys

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq


def plain(dtype):
    """The type with dictionaries replaced by their values, at any depth; extension types as their storage."""
    if isinstance(dtype, pa.ExtensionType):
        return plain(dtype.storage_type)
    if pa.types.is_dictionary(dtype):
        return plain(dtype.value_type)
    if pa.types.is_list(dtype):
        return pa.list_(pa.field(dtype.value_field.name, plain(dtype.value_type), dtype.value_field.nullable))
    if pa.types.is_large_list(dtype):
        return pa.large_list(pa.field(dtype.value_field.name, plain(dtype.value_type), dtype.value_field.nullable))
    if pa.types.is_fixed_size_list(dtype):
        return pa.list_(pa.field(dtype.value_field.name, plain(dtype.value_type), dtype.value_field.nullable), dtype.list_size)
    if pa.types.is_struct(dtype):
        return pa.struct([pa.field(f.name, plain(f.type), f.nullable) for f in dtype])
    if pa.types.is_map(dtype):
        return pa.map_(plain(dtype.key_type), plain(dtype.item_type))
    return dtype


def needs_decoding(dtype):
    if isinstance(dtype, pa.ExtensionType) or pa.types.is_dictionary(dtype):
        return True
    return any(needs_decoding(dtype.field(i).type) for i in range(dtype.num_fields))


def decoded(array):
    """The array with its dictionaries and extension types replaced by their values, at any depth."""
    if not needs_decoding(array.type):
        return array
    if isinstance(array, pa.ExtensionArray):
        return decoded(array.storage)
    if isinstance(array, pa.DictionaryArray):
        return decoded(array.dictionary_decode())
    mask = array.is_null()
    if isinstance(array, (pa.ListArray, pa.LargeListArray)):
        return type(array).from_arrays(array.offsets, decoded(array.values), mask=mask)
    if isinstance(array, pa.FixedSizeListArray):
        return pa.FixedSizeListArray.from_arrays(decoded(array.values.slice(array.offset * array.type.list_size, len(array) * array.type.list_size)), array.type.list_size, mask=mask)
    if isinstance(array, pa.StructArray):
        return pa.StructArray.from_arrays([decoded(child) for child in array.flatten()], fields=[pa.field(f.name, plain(f.type), f.nullable) for f in array.type], mask=mask)
    raise TypeError(f"cannot decode {array.type}")


def values(table):
    """Rows as plain Python values, every column decoded from dictionaries and extension types."""
    columns = []
    for column in table.columns:
        # Chunk by chunk: chunks may carry different dictionaries (replacements, deltas), which pyarrow cannot always unify.
        chunks = [decoded(chunk) for chunk in column.chunks]
        column = pa.concat_arrays(chunks) if chunks else decoded(pa.array([], column.type))
        if pa.types.is_temporal(column.type):
            # As the integers they are stored as: exact, and whatever their unit (Python's datetime stops at microseconds).
            width = pa.int32() if pa.types.is_date32(column.type) or pa.types.is_time32(column.type) else pa.int64()
            column = column.view(width)
        columns.append(column.to_pylist())
    return [list(row) for row in zip(*columns)] if columns else []


def rows_only(case, expected_rows):
    """Every output opens in pyarrow and they hold every row (when the source's values cannot be had)."""
    try:
        rows = sum(pq.read_table(path).num_rows for path in case["outputs"])
    except Exception as error:  # noqa: BLE001
        return {"id": case["id"], "ok": False, "rows": 0, "problem": f"pyarrow cannot read it: {error}"}
    ok = rows == expected_rows
    return {"id": case["id"], "ok": ok, "rows": rows, "problem": None if ok else f"{rows} rows read, {expected_rows} expected"}


def check(case):
    try:
        source = ipc.open_stream(case["source"]).read_all()
    except Exception:  # noqa: BLE001 - a stream pyarrow itself refuses (apache-arrow's LZ4 padding): its outputs still must open
        return rows_only(case, case["rows"])
    # pyarrow reads year-month and day-time intervals but cannot hand them to Python, and reads
    # Parquet INTERVAL as its 12 bytes: for those, every file must open and hold every row.
    if any(f.type.id in (21, 22) for f in source.schema):  # Type::INTERVAL_MONTHS, Type::INTERVAL_DAY_TIME
        return rows_only(case, source.num_rows)
    expected = values(source)
    got = []
    for path in case["outputs"]:
        try:
            table = pq.read_table(path)
        except Exception as error:  # noqa: BLE001 - pyarrow's refusal is the verdict
            return {"id": case["id"], "ok": False, "rows": 0, "problem": f"pyarrow cannot read {path}: {error}"}
        if table.num_columns != source.num_columns:
            return {"id": case["id"], "ok": False, "rows": table.num_rows, "problem": f"{path}: {table.num_columns} columns, the stream has {source.num_columns}"}
        target = pa.schema([pa.field(f.name, plain(f.type), f.nullable) for f in source.schema])
        try:
            table = pa.Table.from_arrays([table.column(i).cast(target.field(i).type) for i in range(table.num_columns)], schema=target)
        except Exception as error:  # noqa: BLE001
            return {"id": case["id"], "ok": False, "rows": table.num_rows, "problem": f"{path}: cannot be read as {target}: {error}"}
        got.extend(values(table))
    if got != expected:
        first = next((i for i, (a, b) in enumerate(zip(got, expected)) if a != b), min(len(got), len(expected)))
        detail = f"row {first}: {got[first] if first < len(got) else 'missing'} != {expected[first] if first < len(expected) else 'extra'}"
        return {"id": case["id"], "ok": False, "rows": len(got), "problem": f"{len(got)} rows read, {len(expected)} expected; {detail}"}
    return {"id": case["id"], "ok": True, "rows": len(got), "problem": None}


def main(path):
    with open(path) as f:
        cases = json.load(f)
    print(json.dumps([check(case) for case in cases], default=str))


if __name__ == "__main__":
    main(sys.argv[1])
