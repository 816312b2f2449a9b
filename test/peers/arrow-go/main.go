// Command arrow-go-corpus writes Arrow IPC streams with arrow-go, the exporter's own Arrow library,
// for bufctl's tests: one stream per column type it can write (in every body compression, and
// with sliced arrays and empty batches), and the exporter's seven tables written as its disk store
// writes its spill files (ipc.NewWriter with the schema, no compression, a file per rotation).
//
//	arrow-go-corpus <directory> <exporter-schemas.json>
//
// It writes <directory>/types/<variant>/<name>.arrows, <directory>/exporter/<table>/pending-*.ipc
// and <directory>/corpus.json (what each file holds: its type name, variant and rows).
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var mem = memory.NewGoAllocator()

// entry is one line of corpus.json.
type entry struct {
	Name    string `json:"name"`
	Variant string `json:"variant"`
	File    string `json:"file"`
	Rows    int64  `json:"rows"`
}

// column is one type of the corpus: its Arrow type and a batch of values (the same batch is written several times).
type column struct {
	name  string
	dtype arrow.DataType
	make  func() arrow.Array
}

func fromJSON(dtype arrow.DataType, values string) func() arrow.Array {
	return func() arrow.Array {
		arr, _, err := array.FromJSON(mem, dtype, strings.NewReader(values))
		if err != nil {
			panic(fmt.Sprintf("%s from %s: %v", dtype, values, err))
		}
		return arr
	}
}

func dictionary(dtype *arrow.DictionaryType, indices, values string) func() arrow.Array {
	return func() arrow.Array {
		arr, err := array.DictArrayFromJSON(mem, dtype, indices, values)
		must(err)
		return arr
	}
}

func columns() []column {
	str := arrow.BinaryTypes.String
	i32 := arrow.PrimitiveTypes.Int32
	ints := `[1, 2, null, 4, 5, 6]`
	strs := `["a", "bb", null, "dddd", "", "ffffff"]`
	list := arrow.ListOf(i32)
	dictStr := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}
	innerDict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}
	listOfDict := arrow.ListOf(innerDict)
	structOfDict := arrow.StructOf(arrow.Field{Name: "s", Type: innerDict, Nullable: true})
	uuid := extensions.NewUUIDType()
	jsonType, err := extensions.NewJSONType(str)
	must(err)
	cols := []column{
		{"null", arrow.Null, fromJSON(arrow.Null, `[null, null, null, null, null, null]`)},
		{"bool", arrow.FixedWidthTypes.Boolean, fromJSON(arrow.FixedWidthTypes.Boolean, `[true, false, null, true, true, false]`)},
		{"int8", arrow.PrimitiveTypes.Int8, fromJSON(arrow.PrimitiveTypes.Int8, `[1, -2, null, 127, -128, 0]`)},
		{"int16", arrow.PrimitiveTypes.Int16, fromJSON(arrow.PrimitiveTypes.Int16, `[1, -2, null, 32767, -32768, 0]`)},
		{"int32", i32, fromJSON(i32, `[1, -2, null, 2147483647, -2147483648, 0]`)},
		{"int64", arrow.PrimitiveTypes.Int64, fromJSON(arrow.PrimitiveTypes.Int64, `[1, -2, null, 9007199254740993, -9223372036854775808, 0]`)},
		{"uint8", arrow.PrimitiveTypes.Uint8, fromJSON(arrow.PrimitiveTypes.Uint8, `[1, 2, null, 255, 0, 7]`)},
		{"uint16", arrow.PrimitiveTypes.Uint16, fromJSON(arrow.PrimitiveTypes.Uint16, `[1, 2, null, 65535, 0, 7]`)},
		{"uint32", arrow.PrimitiveTypes.Uint32, fromJSON(arrow.PrimitiveTypes.Uint32, `[1, 2, null, 4294967295, 0, 7]`)},
		{"uint64", arrow.PrimitiveTypes.Uint64, fromJSON(arrow.PrimitiveTypes.Uint64, `[1, 2, null, 9007199254740993, 0, 7]`)},
		{"float16", arrow.FixedWidthTypes.Float16, fromJSON(arrow.FixedWidthTypes.Float16, `[1.5, -2, null, 65504, 0, 0.25]`)},
		{"float32", arrow.PrimitiveTypes.Float32, fromJSON(arrow.PrimitiveTypes.Float32, `[1.5, -2, null, 3.25, 0, 0.125]`)},
		{"float64", arrow.PrimitiveTypes.Float64, fromJSON(arrow.PrimitiveTypes.Float64, `[1.5, -2, null, 1e300, 0, 0.1]`)},
		{"decimal32", &arrow.Decimal32Type{Precision: 9, Scale: 2}, fromJSON(&arrow.Decimal32Type{Precision: 9, Scale: 2}, `["1.25", "-2.50", null, "9999999.99", "0", "3.14"]`)},
		{"decimal64", &arrow.Decimal64Type{Precision: 18, Scale: 3}, fromJSON(&arrow.Decimal64Type{Precision: 18, Scale: 3}, `["1.250", "-2.500", null, "999999999999999.999", "0", "3.142"]`)},
		{"decimal128", &arrow.Decimal128Type{Precision: 38, Scale: 4}, fromJSON(&arrow.Decimal128Type{Precision: 38, Scale: 4}, `["1.2500", "-2.5000", null, "12345678901234567890.1234", "0", "3.1416"]`)},
		{"decimal256", &arrow.Decimal256Type{Precision: 60, Scale: 5}, fromJSON(&arrow.Decimal256Type{Precision: 60, Scale: 5}, `["1.25000", "-2.50000", null, "1234567890123456789012345678901234567890.12345", "0", "3.14159"]`)},
		{"date32", arrow.FixedWidthTypes.Date32, fromJSON(arrow.FixedWidthTypes.Date32, `[20416, 0, null, -1, 19000, 1]`)},
		{"date64", arrow.FixedWidthTypes.Date64, fromJSON(arrow.FixedWidthTypes.Date64, `[1763960400000, 0, null, -86400000, 86400000, 172800000]`)},
		{"time32_s", arrow.FixedWidthTypes.Time32s, fromJSON(arrow.FixedWidthTypes.Time32s, `[0, 3600, null, 86399, 1, 60]`)},
		{"time32_ms", arrow.FixedWidthTypes.Time32ms, fromJSON(arrow.FixedWidthTypes.Time32ms, `[0, 3600000, null, 86399999, 1, 60000]`)},
		{"time64_us", arrow.FixedWidthTypes.Time64us, fromJSON(arrow.FixedWidthTypes.Time64us, `[0, 3600000000, null, 86399999999, 1, 60000000]`)},
		{"time64_ns", arrow.FixedWidthTypes.Time64ns, fromJSON(arrow.FixedWidthTypes.Time64ns, `[0, 3600000000000, null, 86399999999999, 1, 60000000000]`)},
		{"timestamp_s", &arrow.TimestampType{Unit: arrow.Second}, fromJSON(&arrow.TimestampType{Unit: arrow.Second}, `[1763960400, 0, null, -1, 1, 2]`)},
		{"timestamp_ms_utc", &arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, fromJSON(&arrow.TimestampType{Unit: arrow.Millisecond, TimeZone: "UTC"}, `[1763960400000, 0, null, -1, 1, 2]`)},
		{"timestamp_us_utc", arrow.FixedWidthTypes.Timestamp_us, fromJSON(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, `[1763960400000000, 0, null, -1, 1, 2]`)},
		{"timestamp_ns_paris", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"}, fromJSON(&arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "Europe/Paris"}, `[1763960400000000000, 0, null, -1, 1, 2]`)},
		{"duration_s", arrow.FixedWidthTypes.Duration_s, fromJSON(arrow.FixedWidthTypes.Duration_s, `[1, -2, null, 3600, 0, 7]`)},
		{"duration_ms", arrow.FixedWidthTypes.Duration_ms, fromJSON(arrow.FixedWidthTypes.Duration_ms, `[1, -2, null, 3600000, 0, 7]`)},
		{"duration_us", arrow.FixedWidthTypes.Duration_us, fromJSON(arrow.FixedWidthTypes.Duration_us, `[1, -2, null, 3600000000, 0, 7]`)},
		{"duration_ns", arrow.FixedWidthTypes.Duration_ns, fromJSON(arrow.FixedWidthTypes.Duration_ns, `[1, -2, null, 3600000000000, 0, 7]`)},
		{"interval_months", arrow.FixedWidthTypes.MonthInterval, fromJSON(arrow.FixedWidthTypes.MonthInterval, `[{"months": 1}, {"months": -2}, null, {"months": 12}, {"months": 0}, {"months": 7}]`)},
		{"interval_day_time", arrow.FixedWidthTypes.DayTimeInterval, fromJSON(arrow.FixedWidthTypes.DayTimeInterval, `[{"days": 1, "milliseconds": 2}, {"days": -1, "milliseconds": 0}, null, {"days": 0, "milliseconds": 86399999}, {"days": 0, "milliseconds": 0}, {"days": 7, "milliseconds": 7}]`)},
		{"interval_month_day_nano", arrow.FixedWidthTypes.MonthDayNanoInterval, fromJSON(arrow.FixedWidthTypes.MonthDayNanoInterval, `[{"months": 1, "days": 2, "nanoseconds": 3}, null, {"months": 0, "days": 0, "nanoseconds": 0}, null, {"months": -1, "days": 1, "nanoseconds": 1}, null]`)},
		{"binary", arrow.BinaryTypes.Binary, fromJSON(arrow.BinaryTypes.Binary, `["AAE=", "", null, "/w==", "aGVsbG8=", "AA=="]`)},
		{"large_binary", arrow.BinaryTypes.LargeBinary, fromJSON(arrow.BinaryTypes.LargeBinary, `["AAE=", "", null, "/w==", "aGVsbG8=", "AA=="]`)},
		{"binary_view", arrow.BinaryTypes.BinaryView, fromJSON(arrow.BinaryTypes.BinaryView, `["AAE=", "", null, "/w==", "aGVsbG8gd29ybGQsIGEgbG9uZyB2YWx1ZQ==", "AA=="]`)},
		{"string", str, fromJSON(str, strs)},
		{"large_string", arrow.BinaryTypes.LargeString, fromJSON(arrow.BinaryTypes.LargeString, strs)},
		{"string_view", arrow.BinaryTypes.StringView, fromJSON(arrow.BinaryTypes.StringView, `["a", "a string longer than twelve bytes", null, "dddd", "", "another string longer than twelve"]`)},
		{"fixed_size_binary", &arrow.FixedSizeBinaryType{ByteWidth: 3}, fromJSON(&arrow.FixedSizeBinaryType{ByteWidth: 3}, `["AAEC", "AwQF", null, "////", "AAAA", "YWJj"]`)},
		{"list_int32", list, fromJSON(list, `[[1, 2], [], null, [null, 4], [5], [6, 7, 8]]`)},
		{"large_list_string", arrow.LargeListOf(str), fromJSON(arrow.LargeListOf(str), `[["a"], [], null, ["b", null], ["c"], ["d", "e"]]`)},
		{"fixed_size_list_int32", arrow.FixedSizeListOf(2, i32), fromJSON(arrow.FixedSizeListOf(2, i32), `[[1, 2], [3, null], null, [5, 6], [7, 8], null]`)},
		{"fixed_size_list4_int64", arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Int64), fromJSON(arrow.FixedSizeListOf(4, arrow.PrimitiveTypes.Int64), `[[1, 2, 3, 4], null, [null, 6, 7, 8], null, [9, 10, 11, 12], [13, 14, 15, null]]`)},
		{"list_view_int32", arrow.ListViewOf(i32), fromJSON(arrow.ListViewOf(i32), `[[1, 2], [], null, [4], [5], [6]]`)},
		{"large_list_view_int32", arrow.LargeListViewOf(i32), fromJSON(arrow.LargeListViewOf(i32), `[[1, 2], [], null, [4], [5], [6]]`)},
		{"struct", arrow.StructOf(arrow.Field{Name: "a", Type: i32, Nullable: true}, arrow.Field{Name: "b", Type: str, Nullable: true}),
			fromJSON(arrow.StructOf(arrow.Field{Name: "a", Type: i32, Nullable: true}, arrow.Field{Name: "b", Type: str, Nullable: true}), `[{"a": 1, "b": "x"}, {"a": null, "b": "y"}, null, {"a": 4, "b": null}, {"a": 5, "b": "z"}, {"a": 6, "b": ""}]`)},
		{"map_string_int32", arrow.MapOf(str, i32), fromJSON(arrow.MapOf(str, i32), `[[{"key": "a", "value": 1}], [], null, [{"key": "b", "value": null}, {"key": "c", "value": 3}], [{"key": "d", "value": 4}], []]`)},
		{"sparse_union", arrow.SparseUnionOf([]arrow.Field{{Name: "i", Type: i32, Nullable: true}, {Name: "s", Type: str, Nullable: true}}, []arrow.UnionTypeCode{0, 1}),
			fromJSON(arrow.SparseUnionOf([]arrow.Field{{Name: "i", Type: i32, Nullable: true}, {Name: "s", Type: str, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), `[[0, 1], [1, "a"], [0, null], [1, "b"], [0, 5], [1, null]]`)},
		{"dense_union", arrow.DenseUnionOf([]arrow.Field{{Name: "i", Type: i32, Nullable: true}, {Name: "s", Type: str, Nullable: true}}, []arrow.UnionTypeCode{0, 1}),
			fromJSON(arrow.DenseUnionOf([]arrow.Field{{Name: "i", Type: i32, Nullable: true}, {Name: "s", Type: str, Nullable: true}}, []arrow.UnionTypeCode{0, 1}), `[[0, 1], [1, "a"], [0, null], [1, "b"], [0, 5], [1, null]]`)},
		{"run_end_encoded", arrow.RunEndEncodedOf(i32, str), func() arrow.Array {
			runEnds, _, err := array.FromJSON(mem, i32, strings.NewReader(`[2, 3, 6]`))
			must(err)
			values, _, err := array.FromJSON(mem, str, strings.NewReader(`["a", null, "b"]`))
			must(err)
			return array.NewRunEndEncodedArray(runEnds, values, 6, 0)
		}},
		{"dictionary_int8_string", dictStr, dictionary(dictStr, `[0, 1, null, 2, 0, 1]`, `["alpha", "beta", "gamma"]`)},
		{"dictionary_uint32_string_ordered", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint32, ValueType: str, Ordered: true},
			dictionary(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint32, ValueType: str, Ordered: true}, `[2, 1, null, 0, 0, 2]`, `["a", "b", "c"]`)},
		{"dictionary_int16_int64", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Int64},
			dictionary(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: arrow.PrimitiveTypes.Int64}, `[0, 1, null, 1, 0, 0]`, `[10, 20]`)},
		{"list_of_dictionary", listOfDict, func() arrow.Array {
			values, err := array.DictArrayFromJSON(mem, innerDict, `[0, 1, 2, null, 1]`, `["x", "y", "z"]`)
			must(err)
			offsets, _, err := array.FromJSON(mem, i32, strings.NewReader(`[0, 2, 2, 2, 3, 4, 5]`))
			must(err)
			data := array.NewData(listOfDict, 6, []*memory.Buffer{validity(6, 2), offsets.Data().Buffers()[1]}, []arrow.ArrayData{values.Data()}, 1, 0)
			return array.MakeFromData(data)
		}},
		// As Arrow's integration tests generate them: a dictionary of lists of dictionary-encoded
		// strings, and a dictionary of structs of a dictionary-encoded string.
		{"dictionary_of_list_of_dictionary", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: listOfDict}, func() arrow.Array {
			values, err := array.DictArrayFromJSON(mem, innerDict, `[0, 1, 2, 0]`, `["x", "y", "z"]`)
			must(err)
			offsets, _, err := array.FromJSON(mem, i32, strings.NewReader(`[0, 2, 3, 4]`))
			must(err)
			lists := array.MakeFromData(array.NewData(listOfDict, 3, []*memory.Buffer{nil, offsets.Data().Buffers()[1]}, []arrow.ArrayData{values.Data()}, 0, 0))
			indices, _, err := array.FromJSON(mem, i32, strings.NewReader(`[0, 1, null, 2, 0, 1]`))
			must(err)
			return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: listOfDict}, indices, lists)
		}},
		{"dictionary_of_struct_of_dictionary", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: structOfDict}, func() arrow.Array {
			values, err := array.DictArrayFromJSON(mem, innerDict, `[1, 0]`, `["p", "q"]`)
			must(err)
			structs := array.NewStructData(array.NewData(structOfDict, 2, []*memory.Buffer{nil}, []arrow.ArrayData{values.Data()}, 0, 0))
			indices, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int8, strings.NewReader(`[1, 0, null, 1, 0, 0]`))
			must(err)
			return array.NewDictionaryArray(&arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: structOfDict}, indices, structs)
		}},
		{"extension_uuid", uuid, fromJSON(uuid, `["6ba7b810-9dad-11d1-80b4-00c04fd430c8", null, "00000000-0000-0000-0000-000000000000", "6ba7b811-9dad-11d1-80b4-00c04fd430c8", null, "ffffffff-ffff-ffff-ffff-ffffffffffff"]`)},
		{"extension_json", jsonType, fromJSON(jsonType, `["{\"a\": 1}", "[]", null, "\"s\"", "null", "{}"]`)},
	}
	_ = ints
	return cols
}

// validity is a validity bitmap of `rows` bits, all set but the one at `unset`.
func validity(rows, unset int) *memory.Buffer {
	bytes := make([]byte, (rows+7)/8)
	for i := 0; i < rows; i++ {
		if i != unset {
			bytes[i/8] |= 1 << (i % 8)
		}
	}
	return memory.NewBufferBytes(bytes)
}

// variants of every type's stream: how its bodies are compressed, and how its batches are cut.
var variants = []struct {
	name    string
	options []ipc.Option
	sliced  bool
	empty   bool
}{
	{name: "plain"},
	{name: "lz4", options: []ipc.Option{ipc.WithLZ4()}},
	{name: "zstd", options: []ipc.Option{ipc.WithZstd()}},
	{name: "sliced", sliced: true},
	{name: "empty-batches", empty: true},
}

func writeTypes(dir string) []entry {
	var entries []entry
	for _, variant := range variants {
		for _, col := range columns() {
			arr := col.make()
			if variant.sliced {
				// A slice with an offset into its buffers: rows 1..5 of the 6.
				arr = array.NewSlice(arr, 1, int64(arr.Len()))
			}
			schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: col.dtype, Nullable: true}}, nil)
			batch := array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len()))
			batches := []arrow.RecordBatch{batch, batch}
			if variant.empty {
				empty := array.NewRecordBatch(schema, []arrow.Array{array.NewSlice(arr, 0, 0)}, 0)
				batches = []arrow.RecordBatch{empty, batch, empty, batch, empty}
			}
			file := filepath.Join("types", variant.name, col.name+".arrows")
			rows, err := tryWrite(filepath.Join(dir, file), schema, batches, variant.options...)
			if err != nil {
				// arrow-go itself cannot write this one (a writer bug, not a shape a reader meets): left out, and said.
				fmt.Fprintf(os.Stderr, "arrow-go-corpus: %s: %v (left out)\n", file, err)
				continue
			}
			entries = append(entries, entry{Name: col.name, Variant: variant.name, File: file, Rows: rows})
		}
	}
	return entries
}

// tryWrite is write, with a panic of the writer returned as an error and no file left.
func tryWrite(path string, schema *arrow.Schema, batches []arrow.RecordBatch, options ...ipc.Option) (rows int64, err error) {
	defer func() {
		if caught := recover(); caught != nil {
			err = fmt.Errorf("%v", caught)
			_ = os.Remove(path)
		}
	}()
	return write(path, schema, batches, options...), nil
}

func write(path string, schema *arrow.Schema, batches []arrow.RecordBatch, options ...ipc.Option) int64 {
	must(os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(err)
	defer f.Close()
	w := ipc.NewWriter(f, append([]ipc.Option{ipc.WithSchema(schema), ipc.WithAllocator(mem)}, options...)...)
	var rows int64
	for _, batch := range batches {
		must(w.Write(batch))
		rows += batch.NumRows()
	}
	must(w.Close())
	return rows
}

// writeDictionaryChanges writes dictionary columns whose dictionary changes between batches: as
// deltas (ipc.WithDictionaryDeltas), and as replacements (without), nested dictionaries among them.
func writeDictionaryChanges(dir string) []entry {
	str := arrow.BinaryTypes.String
	flat := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: str}
	inner := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: str}
	nested := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.ListOf(inner)}
	batchesOf := func(dtype arrow.DataType, arrays []arrow.Array) (*arrow.Schema, []arrow.RecordBatch) {
		schema := arrow.NewSchema([]arrow.Field{{Name: "c", Type: dtype, Nullable: true}}, nil)
		var batches []arrow.RecordBatch
		for _, arr := range arrays {
			batches = append(batches, array.NewRecordBatch(schema, []arrow.Array{arr}, int64(arr.Len())))
		}
		return schema, batches
	}
	nestedArray := func(words string, indices string) arrow.Array {
		values, err := array.DictArrayFromJSON(mem, inner, `[0, 1, 2, 0]`, words)
		must(err)
		offsets, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(`[0, 2, 3, 4]`))
		must(err)
		lists := array.MakeFromData(array.NewData(arrow.ListOf(inner), 3, []*memory.Buffer{nil, offsets.Data().Buffers()[1]}, []arrow.ArrayData{values.Data()}, 0, 0))
		idx, _, err := array.FromJSON(mem, arrow.PrimitiveTypes.Int32, strings.NewReader(indices))
		must(err)
		return array.NewDictionaryArray(nested, idx, lists)
	}
	var entries []entry
	for _, deltas := range []bool{true, false} {
		variant := "dictionary-replacement"
		if deltas {
			variant = "dictionary-delta"
		}
		first, err := array.DictArrayFromJSON(mem, flat, `[0, 1, null]`, `["a", "b"]`)
		must(err)
		second, err := array.DictArrayFromJSON(mem, flat, `[2, 0, 3]`, `["a", "b", "c", "d"]`)
		must(err)
		for _, c := range []struct {
			name   string
			dtype  arrow.DataType
			arrays []arrow.Array
		}{
			{"dictionary_int16_string", flat, []arrow.Array{first, second}},
			{"dictionary_of_list_of_dictionary", nested, []arrow.Array{nestedArray(`["x", "y", "z"]`, `[0, 1, null]`), nestedArray(`["x", "y", "w"]`, `[2, 2, 0]`)}},
		} {
			schema, batches := batchesOf(c.dtype, c.arrays)
			file := filepath.Join("types", variant, c.name+".arrows")
			rows, err := tryWrite(filepath.Join(dir, file), schema, batches, ipc.WithDictionaryDeltas(deltas))
			if err != nil {
				fmt.Fprintf(os.Stderr, "arrow-go-corpus: %s: %v (left out)\n", file, err)
				continue
			}
			entries = append(entries, entry{Name: c.name, Variant: variant, File: file, Rows: rows})
		}
	}
	return entries
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: arrow-go-corpus <directory> <exporter-schemas.json>")
		os.Exit(2)
	}
	dir := os.Args[1]
	text, err := os.ReadFile(os.Args[2])
	must(err)
	var schemas map[string][]exporterColumn
	must(json.Unmarshal(text, &schemas))
	entries := writeTypes(dir)
	entries = append(entries, writeDictionaryChanges(dir)...)
	entries = append(entries, writeExporter(filepath.Join(dir, "exporter"), schemas)...)
	out, err := json.MarshalIndent(entries, "", "  ")
	must(err)
	must(os.WriteFile(filepath.Join(dir, "corpus.json"), out, 0o644))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
