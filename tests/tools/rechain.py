#!/usr/bin/env python3
"""rechain.py DB | rechain.py --pg SOCKET_DIR DBNAME — rewrite the security
event log's hash chain so that every link is consistent again (what a
careful forger with write access to the database would do after editing a
record). An independent implementation of the record hash in
docs/operations.md ("Audit log"): the audit tests use it to show that signed
checkpoints still catch such a rewrite. With --pg the database is
PostgreSQL's, reached with psql as the tables' owner."""
import hashlib
import sqlite3
import struct
import subprocess
import sys

COLUMNS = "id, at, tenant_id, account_id, kind, ip, detail"


def put_int(h, v):
    h.update(b"\x00" + bytes(8) if v is None else b"\x01" + struct.pack(">q", v))


def put_text(h, s):
    b = (s or "").encode()
    put_int(h, len(b))
    h.update(b)


def record_hash(prev, row):
    h = hashlib.blake2b(digest_size=32)
    h.update(b"stamprally-audit-v1")
    h.update(prev)
    for v in row[:4]:
        put_int(h, v)
    for v in row[4:7]:
        put_text(h, v)
    return h.digest()


def rechain(rows):
    """Each row's id and its new hash, in order."""
    prev = bytes(32)
    for row in rows:
        prev = record_hash(prev, row)
        yield row[0], prev


def on_sqlite(path):
    db = sqlite3.connect(path)
    rows = db.execute(f"SELECT {COLUMNS} FROM security_events ORDER BY id").fetchall()
    for rid, h in rechain(rows):
        db.execute("UPDATE security_events SET hash = ? WHERE id = ?", (h, rid))
    db.commit()
    return len(rows)


def on_pg(host, dbname):
    psql = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-U", "stamprally_owner", "-d", dbname]
    # unit and record separators: no field of the log holds them; NULL ids as 'N'
    query = ("SELECT id, at, coalesce(tenant_id::text, 'N'), coalesce(account_id::text, 'N'), kind, ip, detail"
             " FROM security_events ORDER BY id")
    out = subprocess.run(psql + ["-A", "-t", "-F", "\x1f", "-R", "\x1e", "-c", query],
                         check=True, capture_output=True, text=True).stdout
    rows = []
    for rec in out.rstrip("\n").split("\x1e"):
        if not rec:
            continue
        f = rec.split("\x1f")
        ints = [None if v == "N" else int(v) for v in f[:4]]
        rows.append(ints + f[4:7])
    sql = "".join(f"UPDATE security_events SET hash = '\\x{h.hex()}'::bytea WHERE id = {rid};\n" for rid, h in rechain(rows))
    subprocess.run(psql + ["-1"], input=sql, check=True, capture_output=True, text=True)
    return len(rows)


if __name__ == "__main__":
    print(on_pg(sys.argv[2], sys.argv[3]) if sys.argv[1] == "--pg" else on_sqlite(sys.argv[1]))
