"""Reads an Iceberg table with pyiceberg (strict: field ids in every manifest, Parquet field ids or a
name mapping) and prints what the tests check, as JSON: the rows' ids (the exporter-shaped
fixtures number each row in attributes_remaining), rows per partition, the schema and spec, every
snapshot's summary, and every data file's statistics.

usage: read_iceberg.py CATALOG NAMESPACE TABLE [S3_ENDPOINT]
CATALOG is a REST catalog's URL, or the path of a table's metadata JSON (a warehouse directory's).
"""
import json
import sys

from pyiceberg.catalog import load_catalog
from pyiceberg.table import StaticTable


def main():
    catalog, namespace, name = sys.argv[1:4]
    endpoint = sys.argv[4] if len(sys.argv) > 4 else None
    io = {}
    if endpoint:
        io = {"s3.endpoint": endpoint, "s3.access-key-id": "S3RVER", "s3.secret-access-key": "S3RVER", "s3.region": "us-east-1", "s3.force-virtual-addressing": False}
    if catalog.startswith("http"):
        table = load_catalog("rest", type="rest", uri=catalog, **io).load_table(f"{namespace}.{name}")
    else:
        table = StaticTable.from_metadata(catalog, properties=io)
    arrow = table.scan().to_arrow()
    ids = []
    if "attributes_remaining" in arrow.column_names:
        ids = [json.loads(value)["row"] if value else None for value in arrow.column("attributes_remaining").to_pylist()]
    partitions = {}
    files = []
    for task in table.scan().plan_files():
        data = task.file
        key = json.dumps(list(data.partition)) if len(data.partition) else "[]"
        partitions[key] = partitions.get(key, 0) + data.record_count
        files.append(
            {
                "path": data.file_path,
                "records": data.record_count,
                "bytes": data.file_size_in_bytes,
                "partition": list(data.partition),
                "columnSizes": {str(k): v for k, v in (data.column_sizes or {}).items()},
                "valueCounts": {str(k): v for k, v in (data.value_counts or {}).items()},
                "nullCounts": {str(k): v for k, v in (data.null_value_counts or {}).items()},
                "lowerBounds": {str(k): v.hex() for k, v in (data.lower_bounds or {}).items()},
                "upperBounds": {str(k): v.hex() for k, v in (data.upper_bounds or {}).items()},
            }
        )
    snapshots = [
        {"id": str(s.snapshot_id), "parent": None if s.parent_snapshot_id is None else str(s.parent_snapshot_id), "summary": dict(s.summary.additional_properties, operation=s.summary.operation.value)}
        for s in table.metadata.snapshots
    ]
    print(
        json.dumps(
            {
                "rows": arrow.num_rows,
                "ids": ids,
                "columns": arrow.column_names,
                "types": {field.name: str(field.type) for field in arrow.schema},
                "schema": [{"id": f.field_id, "name": f.name, "type": str(f.field_type), "required": f.required} for f in table.schema().fields],
                "spec": [{"source": f.source_id, "id": f.field_id, "name": f.name, "transform": str(f.transform)} for f in table.spec().fields],
                "properties": dict(table.properties),
                "partitions": partitions,
                "snapshots": snapshots,
                "current": None if table.current_snapshot() is None else str(table.current_snapshot().snapshot_id),
                "files": files,
            }
        )
    )


main()
