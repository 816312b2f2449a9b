"""Writes Arrow IPC streams with pyarrow (Arrow C++), for bufctl's tests: one stream per column type
pyarrow writes, in every body compression, with sliced arrays and with empty batches, plus the
shapes readers disagree on (duplicate column names). Usage:

    python pyarrow_corpus.py <directory>

It writes <directory>/types/<variant>/<name>.arrows and <directory>/corpus.json, a list of
{name, variant, file, rows}, as the arrow-go corpus writer does.
"""
import datetime
import decimal
import json
import os
import sys
import uuid

import pyarrow as pa
import pyarrow.ipc as ipc


def dictionary(indices, values, index_type=pa.int32(), ordered=False):
    return pa.DictionaryArray.from_arrays(pa.array(indices, index_type), values, ordered=ordered)


def columns():
    """(name, array) for every type: six rows each, nulls among them where the type has them."""
    strs = ["a", "bb", None, "dddd", "", "ffffff"]
    inner = pa.array(["x", "y", "z"]).dictionary_encode()
    list_of_dict = pa.ListArray.from_arrays(pa.array([0, 2, 3, 3], pa.int32()), inner)
    struct_of_dict = pa.StructArray.from_arrays([pa.array(["p", "q"]).dictionary_encode()], names=["s"])
    cols = [
        ("null", pa.nulls(6)),
        ("bool", pa.array([True, False, None, True, True, False])),
        ("int8", pa.array([1, -2, None, 127, -128, 0], pa.int8())),
        ("int16", pa.array([1, -2, None, 32767, -32768, 0], pa.int16())),
        ("int32", pa.array([1, -2, None, 2147483647, -2147483648, 0], pa.int32())),
        ("int64", pa.array([1, -2, None, 9007199254740993, -9223372036854775808, 0], pa.int64())),
        ("uint8", pa.array([1, 2, None, 255, 0, 7], pa.uint8())),
        ("uint16", pa.array([1, 2, None, 65535, 0, 7], pa.uint16())),
        ("uint32", pa.array([1, 2, None, 4294967295, 0, 7], pa.uint32())),
        ("uint64", pa.array([1, 2, None, 9007199254740993, 0, 7], pa.uint64())),
        ("float32", pa.array([1.5, -2, None, 3.25, 0, 0.125], pa.float32())),
        ("float64", pa.array([1.5, -2, None, 1e300, 0, 0.1], pa.float64())),
        ("decimal32", pa.array([decimal.Decimal(v) if v else None for v in ["1.25", "-2.50", None, "9999999.99", "0", "3.14"]], pa.decimal32(9, 2))),
        ("decimal64", pa.array([decimal.Decimal(v) if v else None for v in ["1.250", "-2.500", None, "999999999999999.999", "0", "3.142"]], pa.decimal64(18, 3))),
        ("decimal128", pa.array([decimal.Decimal(v) if v else None for v in ["1.2500", "-2.5000", None, "12345678901234567890.1234", "0", "3.1416"]], pa.decimal128(38, 4))),
        ("decimal256", pa.array([decimal.Decimal(v) if v else None for v in ["1.25000", "-2.50000", None, "1234567890123456789012345678901234567890.12345", "0", "3.14159"]], pa.decimal256(60, 5))),
        ("date32", pa.array([20416, 0, None, -1, 19000, 1], pa.date32())),
        ("date64", pa.array([1763942400000, 0, None, -86400000, 86400000, 172800000], pa.date64())),
        ("time32_s", pa.array([0, 3600, None, 86399, 1, 60], pa.time32("s"))),
        ("time32_ms", pa.array([0, 3600000, None, 86399999, 1, 60000], pa.time32("ms"))),
        ("time64_us", pa.array([0, 3600000000, None, 86399999999, 1, 60000000], pa.time64("us"))),
        ("time64_ns", pa.array([0, 3600000000000, None, 86399999999999, 1, 60000000000], pa.time64("ns"))),
        ("timestamp_s", pa.array([1763960400, 0, None, -1, 1, 2], pa.timestamp("s"))),
        ("timestamp_ms_utc", pa.array([1763960400000, 0, None, -1, 1, 2], pa.timestamp("ms", tz="UTC"))),
        ("timestamp_us_utc", pa.array([1763960400000000, 0, None, -1, 1, 2], pa.timestamp("us", tz="UTC"))),
        ("timestamp_ns_paris", pa.array([1763960400000000000, 0, None, -1, 1, 2], pa.timestamp("ns", tz="Europe/Paris"))),
        ("duration_s", pa.array([1, -2, None, 3600, 0, 7], pa.duration("s"))),
        ("duration_ms", pa.array([1, -2, None, 3600000, 0, 7], pa.duration("ms"))),
        ("duration_us", pa.array([1, -2, None, 3600000000, 0, 7], pa.duration("us"))),
        ("duration_ns", pa.array([1, -2, None, 3600000000000, 0, 7], pa.duration("ns"))),
        ("interval_month_day_nano", pa.array([(1, 2, 3), None, (0, 0, 0), None, (-1, 1, 1), None], pa.month_day_nano_interval())),
        ("binary", pa.array([b"\x00\x01", b"", None, b"\xff", b"hello", b"\x00"], pa.binary())),
        ("large_binary", pa.array([b"\x00\x01", b"", None, b"\xff", b"hello", b"\x00"], pa.large_binary())),
        ("binary_view", pa.array([b"\x00\x01", b"", None, b"\xff", b"hello world, a long value", b"\x00"], pa.binary_view())),
        ("string", pa.array(strs, pa.string())),
        ("large_string", pa.array(strs, pa.large_string())),
        ("string_view", pa.array(["a", "a string longer than twelve bytes", None, "dddd", "", "another string longer than twelve"], pa.string_view())),
        ("fixed_size_binary", pa.array([b"\x00\x01\x02", b"\x03\x04\x05", None, b"\xff\xff\xff", b"\x00\x00\x00", b"abc"], pa.binary(3))),
        ("list_int32", pa.array([[1, 2], [], None, [None, 4], [5], [6, 7, 8]], pa.list_(pa.int32()))),
        ("large_list_string", pa.array([["a"], [], None, ["b", None], ["c"], ["d", "e"]], pa.large_list(pa.string()))),
        ("fixed_size_list_int32", pa.array([[1, 2], [3, None], None, [5, 6], [7, 8], None], pa.list_(pa.int32(), 2))),
        ("fixed_size_list4_int64", pa.array([[1, 2, 3, 4], None, [None, 6, 7, 8], None, [9, 10, 11, 12], [13, 14, 15, None]], pa.list_(pa.int64(), 4))),
        ("list_view_int32", pa.array([[1, 2], [], None, [4], [5], [6]], pa.list_view(pa.int32()))),
        ("large_list_view_int32", pa.array([[1, 2], [], None, [4], [5], [6]], pa.large_list_view(pa.int32()))),
        ("struct", pa.array([{"a": 1, "b": "x"}, {"a": None, "b": "y"}, None, {"a": 4, "b": None}, {"a": 5, "b": "z"}, {"a": 6, "b": ""}], pa.struct([("a", pa.int32()), ("b", pa.string())]))),
        ("map_string_int32", pa.array([[("a", 1)], [], None, [("b", None), ("c", 3)], [("d", 4)], []], pa.map_(pa.string(), pa.int32()))),
        ("sparse_union", pa.UnionArray.from_sparse(pa.array([0, 1, 0, 1, 0, 1], pa.int8()), [pa.array([1, None, None, None, 5, None], pa.int32()), pa.array([None, "a", None, "b", None, None])])),
        ("dense_union", pa.UnionArray.from_dense(pa.array([0, 1, 0, 1, 0, 1], pa.int8()), pa.array([0, 0, 1, 1, 2, 2], pa.int32()), [pa.array([1, None, 5], pa.int32()), pa.array(["a", "b", None])])),
        ("run_end_encoded", pa.RunEndEncodedArray.from_arrays(pa.array([2, 3, 6], pa.int32()), pa.array(["a", None, "b"]))),
        ("dictionary_int8_string", dictionary([0, 1, None, 2, 0, 1], pa.array(["alpha", "beta", "gamma"]), pa.int8())),
        ("dictionary_uint32_string_ordered", dictionary([2, 1, None, 0, 0, 2], pa.array(["a", "b", "c"]), pa.uint32(), ordered=True)),
        ("dictionary_int16_int64", dictionary([0, 1, None, 1, 0, 0], pa.array([10, 20], pa.int64()), pa.int16())),
        ("list_of_dictionary", pa.ListArray.from_arrays(pa.array([0, 2, 2, 2, 3, 4, 5], pa.int32()), pa.array(["x", "y", "z", None, "y"]).dictionary_encode(), mask=pa.array([False, False, True, False, False, False]))),
        ("dictionary_of_list_of_dictionary", dictionary([0, 1, None, 2, 0, 1], list_of_dict)),
        ("dictionary_of_struct_of_dictionary", dictionary([1, 0, None, 1, 0, 0], struct_of_dict, pa.int8())),
        ("extension_uuid", pa.array([uuid.UUID(int=i).bytes if i is not None else None for i in [1, None, 0, 2, None, 2**128 - 1]], pa.uuid())),
        ("extension_json", pa.array(['{"a": 1}', "[]", None, '"s"', "null", "{}"], pa.json_())),
    ]
    return cols


def write(path, batches, options):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with ipc.new_stream(path, batches[0].schema, options=options) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return sum(batch.num_rows for batch in batches)


VARIANTS = [
    ("plain", ipc.IpcWriteOptions()),
    ("lz4", ipc.IpcWriteOptions(compression="lz4")),
    ("zstd", ipc.IpcWriteOptions(compression="zstd")),
    ("sliced", ipc.IpcWriteOptions()),
    ("empty-batches", ipc.IpcWriteOptions()),
]


def main(directory):
    entries = []
    for variant, options in VARIANTS:
        for name, array in columns():
            if variant == "sliced":
                array = array.slice(1)
            batch = pa.record_batch([array], names=["c"])
            batches = [batch, batch]
            if variant == "empty-batches":
                empty = batch.slice(0, 0)
                batches = [empty, batch, empty, batch, empty]
            file = os.path.join("types", variant, name + ".arrows")
            try:
                rows = write(os.path.join(directory, file), batches, options)
            except pa.ArrowException as error:
                print(f"pyarrow-corpus: {file}: {error} (left out)", file=sys.stderr)
                continue
            entries.append({"name": name, "variant": variant, "file": file, "rows": rows})
    # Shapes some readers refuse: two columns of one name.
    ints = pa.array([1, 2, None], pa.int32())
    duplicate = pa.RecordBatch.from_arrays([ints, ints], names=["ints", "ints"])
    file = os.path.join("types", "plain", "duplicate_names.arrows")
    entries.append({"name": "duplicate_names", "variant": "plain", "file": file, "rows": write(os.path.join(directory, file), [duplicate], ipc.IpcWriteOptions())})
    with open(os.path.join(directory, "corpus.json"), "w") as out:
        json.dump(entries, out, indent=2)


if __name__ == "__main__":
    main(sys.argv[1])
