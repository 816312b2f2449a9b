package main

// The exporter's seven tables, written as its disk store writes them: ipc.NewWriter with the
// table's schema and nothing else (no compression), one batch per export call, a file per rotation,
// and an active file the crash left without its end-of-stream marker. The columns come from the
// test (exporter-schemas.json, made from bufctl's own description of the exporter's schemas), the
// values from each row's id: attributes_remaining holds {"row": id}, timestamps step by 13 s.

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
)

type exporterColumn struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
}

// Batches of the exporter's size: a few hundred rows per export call.
const (
	exporterBatchRows = 120
	exporterBatches   = 5
	exporterFiles     = 3
)

// base is 2026-11-24T05:00:00Z in microseconds.
const base = int64(1763960400) * 1_000_000

func writeExporter(dir string, schemas map[string][]exporterColumn) []entry {
	var entries []entry
	tableIndex := 0
	for table, columns := range schemas {
		fields := make([]arrow.Field, len(columns))
		for i, column := range columns {
			fields[i] = arrow.Field{Name: column.Name, Type: exporterType(column.Type), Nullable: column.Nullable}
		}
		schema := arrow.NewSchema(fields, nil)
		id := int64(tableIndex) * 1_000_000
		tableIndex++
		var rows int64
		for file := 1; file <= exporterFiles; file++ {
			var batches []arrow.RecordBatch
			for b := 0; b < exporterBatches; b++ {
				batches = append(batches, exporterBatch(schema, columns, id, exporterBatchRows))
				id += exporterBatchRows
			}
			rows += write(filepath.Join(dir, table, fmt.Sprintf("pending-%06d.ipc", file)), schema, batches)
		}
		// The crash: an active file whose writer never closed (no end-of-stream marker).
		active := exporterBatch(schema, columns, id, exporterBatchRows)
		rows += writeUnclosed(filepath.Join(dir, table, "active.ipc"), schema, active)
		entries = append(entries, entry{Name: table, Variant: "exporter", File: filepath.Join("exporter", table), Rows: rows})
	}
	return entries
}

func writeUnclosed(path string, schema *arrow.Schema, batch arrow.RecordBatch) int64 {
	must(os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(err)
	defer f.Close()
	w := ipc.NewWriter(f, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	must(w.Write(batch))
	// No w.Close(): the process died with the stream open.
	return batch.NumRows()
}

func exporterType(name string) arrow.DataType {
	switch name {
	case "string":
		return arrow.BinaryTypes.String
	case "int32":
		return arrow.PrimitiveTypes.Int32
	case "int64":
		return arrow.PrimitiveTypes.Int64
	case "float64":
		return arrow.PrimitiveTypes.Float64
	case "bool":
		return arrow.FixedWidthTypes.Boolean
	case "timestamp":
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	}
	panic("unknown exporter column type " + name)
}

func exporterBatch(schema *arrow.Schema, columns []exporterColumn, first int64, rows int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < rows; i++ {
		id := first + int64(i)
		for c, column := range columns {
			null := column.Nullable && id%7 == int64(c%7)
			switch builder := b.Field(c).(type) {
			case *array.StringBuilder:
				switch {
				case column.Name == "attributes_remaining":
					text, err := json.Marshal(map[string]any{"row": id, "k8s.pod.name": fmt.Sprintf("pod-%d", id%5)})
					must(err)
					builder.Append(string(text))
				case null:
					builder.AppendNull()
				default:
					builder.Append(fmt.Sprintf("%s-%d", column.Name, id%11))
				}
			case *array.Int32Builder:
				builder.Append(int32((id*7 + int64(len(column.Name))) % 13))
			case *array.Int64Builder:
				builder.Append(id*1000 + int64(len(column.Name)))
			case *array.Float64Builder:
				if null {
					builder.AppendNull()
				} else {
					builder.Append(float64(id) / 4)
				}
			case *array.BooleanBuilder:
				builder.Append(id%2 == 0)
			case *array.TimestampBuilder:
				builder.Append(arrow.Timestamp(base + id*13_000_000))
			}
		}
	}
	return b.NewRecordBatch()
}
