#!/usr/bin/python3
"""xlsx2json.py FILE — the first sheet of an .xlsx workbook as JSON, read with
the standard library only: {"rows": [[[kind, value], ...], ...], "frozen": rows,
"widths": [...]} where kind is "s" (text), "n" (number) or "d" (a date cell,
value "YYYY/MM/DD HH:MM:SS"). Used by tests/http/xlsx.test.mjs to check what
Excel would show, not just that a file came back."""
import datetime
import json
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def main(path):
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    fmts = {int(f.get("numFmtId")): f.get("formatCode") for f in styles.findall("m:numFmts/m:numFmt", NS)}
    xfs = [int(x.get("numFmtId", "0")) for x in styles.findall("m:cellXfs/m:xf", NS)]
    is_date = [("yy" in fmts.get(i, "")) or i in (14, 22) for i in xfs]
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    rows = []
    for row in sheet.findall("m:sheetData/m:row", NS):
        out = []
        for c in row.findall("m:c", NS):
            i = col_index(c.get("r"))
            while len(out) < i:
                out.append(None)
            t, s = c.get("t"), int(c.get("s", "0"))
            if t == "s":
                out.append(["s", shared[int(c.find("m:v", NS).text)]])
            elif t == "inlineStr":
                out.append(["s", "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))])
            else:
                v = float(c.find("m:v", NS).text)
                if s < len(is_date) and is_date[s]:
                    when = datetime.datetime(1899, 12, 30) + datetime.timedelta(days=v)
                    when = when.replace(microsecond=0) + datetime.timedelta(seconds=round(when.microsecond / 1e6))
                    out.append(["d", when.strftime("%Y/%m/%d %H:%M:%S")])
                else:
                    out.append(["n", v])
        rows.append(out)
    pane = sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
    widths = [float(c.get("width")) for c in sheet.findall("m:cols/m:col", NS)]
    print(json.dumps({"rows": rows, "frozen": int(float(pane.get("ySplit"))) if pane is not None else 0,
                      "widths": widths}, ensure_ascii=False))


main(sys.argv[1])
