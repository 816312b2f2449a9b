// The exporter's append, as it makes it (iceberg-go v0.5.0, the version the exporter builds
// with): read a spill stream file, write it as one Parquet file (no field ids, as the exporter
// writes them) under the table's location, and commit it with Transaction.AddDataFiles, which
// reads every manifest already in the table (bufctl's among them) to refuse a file added twice.
//
// usage: iceberg-go-append CATALOG_URI NAMESPACE TABLE STREAM_FILE PARTITION
// PARTITION is the hive path of the rows' hour (year=YYYY/month=MM/day=DD/hour=HH); one hour only.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	iceberg "github.com/apache/iceberg-go"
	"github.com/apache/iceberg-go/catalog/rest"
	"github.com/apache/iceberg-go/table"
	"github.com/google/uuid"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 5 {
		return fmt.Errorf("usage: iceberg-go-append CATALOG_URI NAMESPACE TABLE STREAM_FILE PARTITION")
	}
	uri, namespace, name, streamFile, partition := args[0], args[1], args[2], args[3], args[4]
	ctx := context.Background()
	catalog, err := rest.NewCatalog(ctx, "iceberg-exporter", uri)
	if err != nil {
		return fmt.Errorf("creating REST catalog: %w", err)
	}
	tbl, err := catalog.LoadTable(ctx, table.Identifier{namespace, name})
	if err != nil {
		return fmt.Errorf("loading %s.%s: %w", namespace, name, err)
	}

	records, schema, err := readStream(streamFile)
	if err != nil {
		return err
	}
	location := strings.TrimPrefix(strings.TrimPrefix(tbl.Location(), "file://"), "file:")
	relative := filepath.Join("data", partition, uuid.NewString()+".parquet")
	path := filepath.Join(location, relative)
	rows, size, err := writeParquet(path, schema, records)
	if err != nil {
		return err
	}

	hour, err := hoursSinceEpoch(partition)
	if err != nil {
		return err
	}
	spec := tbl.Metadata().PartitionSpec()
	partitionData := map[int]any{}
	for field := range spec.Fields() {
		partitionData[field.FieldID] = hour
	}
	builder, err := iceberg.NewDataFileBuilder(spec, iceberg.EntryContentData, strings.TrimSuffix(tbl.Location(), "/")+"/"+relative, iceberg.ParquetFile, partitionData, nil, nil, rows, size)
	if err != nil {
		return fmt.Errorf("building the data file: %w", err)
	}
	txn := tbl.NewTransaction()
	if err := txn.AddDataFiles(ctx, []iceberg.DataFile{builder.Build()}, nil); err != nil {
		return fmt.Errorf("adding data files: %w", err)
	}
	if _, err := txn.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	fmt.Println(rows)
	return nil
}

func readStream(path string) ([]arrow.Record, *arrow.Schema, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer file.Close()
	reader, err := ipc.NewReader(file)
	if err != nil {
		return nil, nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer reader.Release()
	var records []arrow.Record
	for reader.Next() {
		record := reader.Record()
		record.Retain()
		records = append(records, record)
	}
	return records, reader.Schema(), reader.Err()
}

func writeParquet(path string, schema *arrow.Schema, records []arrow.Record) (int64, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, 0, err
	}
	file, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	properties := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(true), parquet.WithStats(true))
	writer, err := pqarrow.NewFileWriter(schema, file, properties, pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(memory.DefaultAllocator)))
	if err != nil {
		return 0, 0, err
	}
	var rows int64
	table := array.NewTableFromRecords(schema, records)
	defer table.Release()
	rows = table.NumRows()
	if err := writer.WriteTable(table, rows); err != nil {
		return 0, 0, err
	}
	if err := writer.Close(); err != nil {
		return 0, 0, err
	}
	info, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	return rows, info.Size(), nil
}

func hoursSinceEpoch(partition string) (int32, error) {
	values := map[string]int{}
	for _, part := range strings.Split(partition, "/") {
		key, value, _ := strings.Cut(part, "=")
		number, err := strconv.Atoi(value)
		if err != nil {
			return 0, fmt.Errorf("partition %s: %w", partition, err)
		}
		values[key] = number
	}
	at := time.Date(values["year"], time.Month(values["month"]), values["day"], values["hour"], 0, 0, 0, time.UTC)
	return int32(at.Unix() / 3600), nil
}
