#!/usr/bin/env python3
"""rechain.py DB — rewrite the security event log's hash chain so that every
link is consistent again (what a careful forger with write access to the
database would do after editing a record). An independent implementation of
the record hash in docs/operations.md ("Audit log"): the audit tests use it
to show that signed checkpoints still catch such a rewrite."""
import hashlib
import sqlite3
import struct
import sys


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


def main(path):
    db = sqlite3.connect(path)
    prev = bytes(32)
    rows = db.execute("SELECT id, at, tenant_id, account_id, kind, ip, detail FROM security_events ORDER BY id").fetchall()
    for row in rows:
        prev = record_hash(prev, row)
        db.execute("UPDATE security_events SET hash = ? WHERE id = ?", (prev, row[0]))
    db.commit()
    print(len(rows))


if __name__ == "__main__":
    main(sys.argv[1])
