#!/usr/bin/env python3
"""Runs usagetop's ClickHouse SQL on a current ClickHouse embedded by chDB
(PyPI `chdb`), for tests/it/clickhouse_current.rs.

Reads a JSON file: a list of layouts, each {"name", "create", "insert",
"statements": [sql, ...], "show": optional bool}. For each layout it creates
the table in a fresh session, runs the inserts ("insert": one statement or a
list, each its own part), and runs every statement with FORMAT JSONCompact
(64-bit integers unquoted, as usagetop asks its servers). Prints the server
version, then one line per statement, and for a layout that says "show" a
line `data <layout> <index> <rows as JSON>` per statement; exits 1 when any
statement fails, naming the layout, the statement and the server's error.
"""
import json
import sys
import tempfile

from chdb import session as chs


def main(path):
    layouts = json.load(open(path))
    failures = 0
    with tempfile.TemporaryDirectory() as folder:
        sess = chs.Session(folder)
        print("chdb", sess.query("SELECT version()", "CSV").bytes().decode().strip())
        for layout in layouts:
            sess.query("DROP DATABASE IF EXISTS usagetop_check")
            sess.query("CREATE DATABASE usagetop_check")
            sess.query("USE usagetop_check")
            sess.query(layout["create"])
            inserts = layout["insert"]
            for insert in inserts if isinstance(inserts, list) else [inserts]:
                sess.query(insert)
            for index, sql in enumerate(layout["statements"]):
                try:
                    answer = sess.query(
                        sql
                        + " SETTINGS output_format_json_quote_64bit_integers = 0"
                        + " FORMAT JSONCompact",
                        "JSONCompact",
                    )
                    body = json.loads(answer.bytes().decode() or "{}")
                    rows = body.get("rows", 0)
                    print(f"ok   {layout['name']}: {rows} rows: {sql[:90]}")
                    if layout.get("show"):
                        data = json.dumps(body.get("data", []))
                        print(f"data {layout['name']} {index} {data}")
                except Exception as error:  # the server's error, whatever its class
                    failures += 1
                    print(f"FAIL {layout['name']}: {sql[:300]}\n     {str(error)[:600]}")
        sess.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
