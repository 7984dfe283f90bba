#!/usr/bin/env python3
"""Fill the HTML report template the way `offswitch report --html` does.

    python3 tests/report/fill.py TEMPLATE REPORT.json TRANSCRIPTS.json OUT.html

The template is copied unchanged except for two lines:
  the line `<!--OFFSWITCH_REPORT_DATA-->`     becomes
      <script type="application/json" id="report-data">JSON</script>
  the line `<!--OFFSWITCH_TRANSCRIPT_DATA-->` becomes
      <script type="application/json" id="transcript-data">JSON</script>
In both JSON texts every `<` is written \\u003c, `>` \\u003e and `&` \\u0026, so
nothing in the data can close the script element. The JSON files are read and
re-serialised (compact, UTF-8); the data itself is not changed.
"""
import json
import sys

MARKERS = {
    "<!--OFFSWITCH_REPORT_DATA-->": "report-data",
    "<!--OFFSWITCH_TRANSCRIPT_DATA-->": "transcript-data",
}


def embed(obj):
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def main(argv):
    if len(argv) != 5:
        sys.stderr.write("usage: fill.py TEMPLATE REPORT.json TRANSCRIPTS.json OUT.html\n")
        return 2
    template, report_path, transcripts_path, out_path = argv[1:]
    with open(template, encoding="utf-8") as f:
        lines = f.read().split("\n")
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    with open(transcripts_path, encoding="utf-8") as f:
        transcripts = json.load(f)
    payload = {"report-data": embed(report), "transcript-data": embed(transcripts)}
    seen = {}
    out = []
    for line in lines:
        key = line.rstrip("\r")
        if key in MARKERS:
            ident = MARKERS[key]
            seen[ident] = seen.get(ident, 0) + 1
            out.append('<script type="application/json" id="%s">%s</script>' % (ident, payload[ident])
                       + line[len(key):])
        else:
            out.append(line)
    for ident in MARKERS.values():
        if seen.get(ident) != 1:
            sys.stderr.write("fill.py: %s: expected exactly one %s marker line, found %d\n"
                             % (template, ident, seen.get(ident, 0)))
            return 1
    with open(out_path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
