#!/usr/bin/env python3
"""Check a filled offswitch HTML report in headless Chromium (standard library only).

    python3 tests/report/check_html.py REPORT.html REPORT.json SCREENSHOT.png
    python3 tests/report/check_html.py --csp-hash data/report/template.html

The first form loads the page three times in Debian's chromium (--headless, fresh profile each
time): --dump-dom of the page, --dump-dom of the page opened on a rollout (#rollout-<id>, the
one with the most hostile text in its transcript), and --screenshot at 1400x2000. It fails
(exit 1, printing the offending lines) on:

  * console errors, uncaught exceptions and unhandled rejections, dialogs (alert/confirm/prompt),
    and any message the browser itself logs to the console (CSP violations, failed loads);
  * a rate cell whose number differs from the JSON (rate * 100, one decimal, ties away from zero),
    a rate the summary table does not show, a summary row without a rate cell, a chart bar whose
    data-value differs from its rate, a headline rate_id without a link to its cell;
  * a <script> other than the page's own three, any <img>/<iframe>/<object>/<embed>, any on*
    attribute, or hostile text from the data that does not appear literally as text;
  * a missing or trivial (blank, tiny) screenshot PNG;
  * a page that never reaches its load event, a report-data script whose JSON (with the rollouts
    of the packed transcript-data store put back) differs from REPORT.json, or a CSP script hash that no longer matches the page's script.

How console messages are detected. Chromium 1xx logs page console messages to stderr
(--enable-logging=stderr) as one record per message, e.g. (Chromium 156):

  [26940:26940:1122/143841.309742:INFO:CONSOLE:4] "an error line", source: file:///p.html (4)

older releases print `INFO:CONSOLE(4)` for `INFO:CONSOLE:4`. A message text may span several
lines (continuation lines do not start with `[pid:tid:`). The level is always INFO for web
pages: console.log and console.error print identically. So the checker loads a copy of the
page with a small hook inserted first in <head> (before the page's CSP <meta>, so the policy
does not apply to it; it removes its own element) that prefixes every console.* message with
`[offswitch-check:<level>]` and the caller's location, and turns dialogs into
`[offswitch-check:dialog]` messages. Uncaught exceptions and unhandled rejections are logged by
Chromium itself with a text starting "Uncaught". Records whose level is ERROR or FATAL, or whose
text is untagged and does not start with "[Violation]" (browser-generated: CSP refusals, CORS,
failed resources), also fail.

The second form prints the CSP hash of the template's inline script (to paste into its
Content-Security-Policy after editing the script).
"""
import base64
import hashlib
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from decimal import Decimal, ROUND_HALF_UP

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--enable-logging=stderr", "--v=0", "--virtual-time-budget=5000"]
HOSTILE = ["</script><script>alert(1)</script>", "<img src=x onerror=alert(1)>", '=HYPERLINK("x")']
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
        "track", "wbr"}

HOOK = """<script>(function(){var T="[offswitch-check:",L=console.log.bind(console);
function at(){try{var s=(new Error()).stack.split("\\n");return s.length>3?" ("+s[3].trim()+")":"";}catch(e){return "";}}
["error","warn","log","info","debug"].forEach(function(l){var o=console[l];console[l]=function(){
var a=[T+l+"]"];for(var i=0;i<arguments.length;i++)a.push(arguments[i]);a.push(at());return o.apply(console,a);};});
["alert","confirm","prompt","print"].forEach(function(d){window[d]=function(m){
L(T+"dialog] window."+d+"("+String(m)+")");return null;};});
var t0=Date.now();window.addEventListener("load",function(){L(T+"timing] the page was ready "+(Date.now()-t0)+" ms after parsing began");});
document.currentScript.remove();})();</script>"""

RECORD = re.compile(r"^\[(\d+):(\d+):(\d{4}/\d{6}\.\d+):([A-Z_]+):([^\]]*)\]\s?(.*)$")
CONSOLE_FILE = re.compile(r"^CONSOLE(?::(\d+)|\((\d+)\))?$")
CONSOLE_MSG = re.compile(r'^"(.*)", source: (\S*) \((\d+)\)$', re.S)


# ---------------------------------------------------------------- chromium
def find_chromium():
    for c in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if c and os.path.exists(c):
            return c
    sys.stderr.write("check_html: chromium not found; on Debian: apt-get install -y chromium\n")
    sys.exit(2)


def run_chromium(chromium, extra, url, timeout=180):
    profile = tempfile.mkdtemp(prefix="offswitch-chromium-")
    try:
        cmd = [chromium] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile] + extra + [url]
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def console_records(stderr):
    """Chromium's stderr log -> [(level, text, source, line)] for CONSOLE records.

    A record starts with `[pid:tid:MMDD/HHMMSS.micro:LEVEL:FILE...]`; a console message can span
    several lines and ends with `", source: URL (LINE)`. Lines after a complete record that
    start no record (e.g. "N bytes written to file X.png") belong to no record."""
    out, cur = [], None

    def close(rec, complete):
        level, body = rec
        mm = CONSOLE_MSG.match(body)
        if mm:
            out.append((level, mm.group(1), mm.group(2), mm.group(3)))
        elif not complete:
            out.append((level, body, "", ""))

    for line in stderr.split("\n"):
        m = RECORD.match(line)
        if m:
            if cur:
                close(cur, False)
            cur = [m.group(4), m.group(6)] if CONSOLE_FILE.match(m.group(5)) else None
        elif cur is not None:
            cur[1] += "\n" + line
        else:
            continue
        if cur is not None and CONSOLE_MSG.match(cur[1]):
            close(cur, True)
            cur = None
    if cur:
        close(cur, False)
    return out


def classify(level, text):
    """-> 'fail' | 'warn' | 'info'"""
    if level in ("ERROR", "FATAL"):
        return "fail"
    if text.startswith("Uncaught"):
        return "fail"
    m = re.match(r"^\[offswitch-check:(\w+)\]", text)
    if m:
        return {"error": "fail", "dialog": "fail", "warn": "warn"}.get(m.group(1), "info")
    if text.startswith("[Violation]"):
        return "info"
    return "fail"   # the browser's own console messages: CSP refusals, CORS, failed loads


def check_console(stderr, what, problems):
    allrecs = console_records(stderr)
    timing = [r for r in allrecs if r[1].startswith("[offswitch-check:timing]")]
    recs = [r for r in allrecs if r not in timing]
    for r in timing:
        print("  %s (%s)" % (r[1][len("[offswitch-check:timing] "):], what))
    n_fail = 0
    for level, text, source, line in recs:
        kind = classify(level, text)
        loc = (" [%s:%s]" % (source, line)) if source else ""
        shown = text if len(text) < 600 else text[:600] + "..."
        if kind == "fail":
            n_fail += 1
            problems.append("%s: console %s%s" % (what, shown, loc))
        elif kind == "warn":
            print("  note (%s): console warning: %s%s" % (what, shown, loc))
    print("  console (%s): %d message(s), %d failing" % (what, len(recs), n_fail))
    if not timing:
        problems.append("%s: the page never reached its load event (or chromium's console log format changed)" % what)
    if "CONSOLE" in stderr and not allrecs:
        problems.append("%s: stderr mentions CONSOLE but no record matched the log format; "
                        "update check_html.py for this chromium" % what)


# ---------------------------------------------------------------- DOM
class Node:
    __slots__ = ("tag", "attrs", "kids", "parent")

    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.kids, self.parent = tag, attrs, [], parent

    def text(self):
        out = []
        for k in self.kids:
            out.append(k if isinstance(k, str) else k.text())
        return "".join(out)

    def walk(self):
        yield self
        for k in self.kids:
            if not isinstance(k, str):
                yield from k.walk()

    def ancestors(self):
        p = self.parent
        while p is not None:
            yield p
            p = p.parent


class DomBuilder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        n = Node(tag, dict(attrs), self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.kids.append(Node(tag, dict(attrs), self.cur))

    def handle_endtag(self, tag):
        p = self.cur
        while p is not None and p.tag != tag:
            p = p.parent
        if p is not None and p.parent is not None:
            self.cur = p.parent

    def handle_data(self, data):
        self.cur.kids.append(data)


def parse_dom(text):
    b = DomBuilder()
    b.feed(text)
    b.close()
    return b.root


def fmt_rate(rate):
    """The page's documented cell format: (rate * 100).toFixed(1), i.e. the double rate*100
    rounded to one decimal, ties away from zero (Decimal of a float is exact, as toFixed is)."""
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or rate != rate:
        return ""
    return str(Decimal(float(rate) * 100.0).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def check_security(root, what, problems, expect_literal):
    scripts = [n for n in root.walk() if n.tag == "script"]
    ids = sorted(n.attrs.get("id") or "" for n in scripts)
    if ids != ["", "report-data", "transcript-data"]:
        problems.append("%s: expected 3 <script> elements (the page's, report-data, transcript-data), found %d: %s"
                        % (what, len(scripts), ids))
    bad = [n.tag for n in root.walk() if n.tag in ("img", "iframe", "object", "embed", "frame", "base")]
    if bad:
        problems.append("%s: unexpected element(s) in the DOM: %s" % (what, ", ".join(bad)))
    handlers = ["<%s %s>" % (n.tag, k) for n in root.walk() for k in n.attrs if k.lower().startswith("on")]
    if handlers:
        problems.append("%s: event-handler attribute(s) in the DOM: %s" % (what, ", ".join(handlers[:10])))
    visible = "".join(n.text() for n in root.walk() if n.tag in ("main", "aside"))
    found = [s for s in expect_literal if s in visible]
    missing = [s for s in expect_literal if s not in visible]
    if missing:
        problems.append("%s: hostile text from the data is not shown literally: %s" % (what, missing))
    print("  security (%s): %d <script> (expected 3), %d <img>/<iframe>/..., %d on* attributes, "
          "%d hostile string(s) rendered as literal text" % (what, len(scripts), len(bad), len(handlers), len(found)))


def check_rates(root, report, problems):
    rates = {str(r["id"]): r for r in report.get("rates", [])}
    summary = [n for n in root.walk() if n.attrs.get("id") == "summary"]
    if len(summary) != 1:
        problems.append("expected one element with id=\"summary\", found %d" % len(summary))
        return
    summary = summary[0]
    in_summary = set()
    n_cells = n_other = 0
    for n in root.walk():
        rid = n.attrs.get("data-rate-id")
        if rid is None:
            continue
        inside = summary in n.ancestors()
        r = rates.get(rid)
        if r is None:
            problems.append("data-rate-id=%r is not a rate of the JSON" % rid)
            continue
        want = fmt_rate(r.get("rate"))
        got_attr = n.attrs.get("data-value")
        txt = n.text().strip()
        m = re.match(r"^(-?\d+(?:\.\d+)?|\u2013)", txt)
        shown = m.group(1) if m else None
        if got_attr != want:
            problems.append("rate %s: data-value %r, JSON rate %r formats as %r" % (rid, got_attr, r.get("rate"), want))
        if shown != (want if want else "\u2013"):
            problems.append("rate %s: cell shows %r, JSON rate %r formats as %r" % (rid, txt, r.get("rate"), want))
        if inside:
            if rid in in_summary:
                problems.append("rate %s appears twice in the summary table" % rid)
            in_summary.add(rid)
            n_cells += 1
        else:
            n_other += 1
    missing = [i for i in rates if i not in in_summary]
    if missing:
        problems.append("%d rate(s) of the JSON not shown in the summary table: %s" % (len(missing), ", ".join(missing[:20])))
    # every body row of the summary tables has at least one rate cell, and the rates of one
    # documented row (run, model, metric, subject, af_mode; plus task_type, dataset, threshold
    # where a rate carries them, as the page does) all sit in the same row
    row_of = {}
    rows = empty = 0
    for t in summary.walk():
        if t.tag != "tbody":
            continue
        for tr in t.kids:
            if isinstance(tr, str) or tr.tag != "tr":
                continue
            rows += 1
            for d in tr.walk():
                if "data-rate-id" in d.attrs:
                    row_of[d.attrs["data-rate-id"]] = rows
            if not any("data-rate-id" in d.attrs for d in tr.walk()):
                empty += 1
                problems.append("summary row without a rate cell: %r" % tr.text().strip()[:80])
    if report.get("rates") and not rows:
        problems.append("the summary has no table rows")
    groups = {}
    for rid, r in rates.items():
        key = json.dumps([r.get("run"), r.get("model"), r.get("metric"), r.get("subject"), r.get("af_mode")]
                         + [r.get(k) for k in ("task_type", "dataset", "threshold") if not isinstance(r.get(k), (dict, list))])
        groups.setdefault(key, set()).add(row_of.get(rid))
    split = [k for k, v in groups.items() if len(v - {None}) > 1]
    for k in split[:10]:
        problems.append("the rates of one row are spread over %d summary rows: %s" % (len(groups[k] - {None}), k))
    # chart bars
    bars = bad_bars = 0
    for n in root.walk():
        rid = n.attrs.get("data-bar-rate-id")
        if rid is None:
            continue
        bars += 1
        r = rates.get(rid)
        if r is None or n.attrs.get("data-value") != fmt_rate(r.get("rate")):
            bad_bars += 1
            problems.append("chart bar for %s: data-value %r, expected %r" % (rid, n.attrs.get("data-value"),
                                                                              fmt_rate(r.get("rate")) if r else None))
    # headline links
    hrefs = {n.attrs.get("href") for n in root.walk() if n.tag == "a"}
    links = 0
    for hl in report.get("headline", []) or []:
        if hl.get("rate_id") is not None:
            links += 1
            if "#cell-" + str(hl["rate_id"]) not in hrefs:
                problems.append("headline %r: no link to #cell-%s" % (hl.get("claim"), hl["rate_id"]))
    print("  rates: %d in the JSON, %d shown in the summary (%d rows for %d row keys, %d rows without a cell), %d elsewhere; "
          "%d chart bars (%d wrong); %d headline links" % (len(rates), n_cells, rows, len(groups), empty, n_other, bars, bad_bars, links))


def check_sources(root, report, problems):
    """The Sources table shows the JSON's per-field counts (report --scores)."""
    fields = (report.get("sources") or {}).get("fields") or {}
    table = next((n for n in root.walk() if n.tag == "table" and n.attrs.get("id") == "sources"), None)
    if table is None:
        problems.append("no table with id=\"sources\"")
        return
    cols = ["judge", "extractor", "missing", "agree", "disagree", "only_judge", "only_extractor"]
    seen = 0
    for tr in (n for n in table.walk() if n.tag == "tr"):
        tds = [d.text().strip() for d in tr.kids if not isinstance(d, str) and d.tag == "td"]
        if not tds or tds[0] not in fields:
            continue
        seen += 1
        want = [str(fields[tds[0]][c]) for c in cols]
        if tds[1:1 + len(cols)] != want:
            problems.append("sources row %s shows %s, the JSON %s" % (tds[0], tds[1:1 + len(cols)], want))
    if seen != len(fields):
        problems.append("the sources table shows %d of %d fields" % (seen, len(fields)))


def check_rollout_view(root, conv, texts, rid, problems):
    view = [n for n in root.walk() if n.attrs.get("id") == "transcript"]
    if not view:
        problems.append("no element with id=\"transcript\"")
        return
    msgs = [n for n in view[0].walk() if "data-msg-index" in n.attrs]
    if len(msgs) != len(conv):
        problems.append("rollout %s: %d messages shown, the transcript has %d" % (rid, len(msgs), len(conv)))
    ev = [n for n in view[0].walk() if "data-evidence" in n.attrs]
    shown = view[0].text()
    lost = [i for i, m in enumerate(conv) if texts[m["c"]].strip() and texts[m["c"]].strip()[:60] not in shown]
    if lost:
        problems.append("rollout %s: message text not shown literally for message(s) %s" % (rid, lost[:10]))
    print("  transcript view (#rollout-%s): %d messages, %d evidence elements highlighted" % (rid, len(msgs), len(ev)))


# ---------------------------------------------------------------- PNG
def check_png(path, problems):
    if not os.path.exists(path):
        problems.append("screenshot %s was not written" % path)
        return
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        problems.append("screenshot %s is not a PNG" % path)
        return
    pos, idat, w, h = 8, b"", 0, 0
    while pos + 8 <= len(data):
        ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + ln]
        if typ == b"IHDR":
            w, h = struct.unpack(">II", body[:8])
        elif typ == b"IDAT":
            idat += body
        pos += 12 + ln
    try:
        raw = zlib.decompress(idat)
    except zlib.error:
        problems.append("screenshot %s: corrupt image data" % path)
        return
    distinct = len(set(raw[:: max(1, len(raw) // 200000)]))
    print("  screenshot: %s, %dx%d, %d bytes, %d distinct byte values" % (path, w, h, len(data), distinct))
    if w < 200 or h < 200 or len(data) < 20000 or distinct < 16:
        problems.append("screenshot %s looks trivial (%dx%d, %d bytes, %d distinct byte values)" % (path, w, h, len(data), distinct))


# ---------------------------------------------------------------- main
def csp_hash_of(path):
    text = open(path, encoding="utf-8").read()
    blocks = re.findall(r"<script>(.*?)</script>", text, re.S)
    if len(blocks) != 1:
        raise SystemExit("check_html: expected one inline <script> without attributes in %s, found %d" % (path, len(blocks)))
    return "sha256-" + base64.b64encode(hashlib.sha256(blocks[0].encode("utf-8")).digest()).decode()


def embedded_json(page, ident):
    m = re.search(r'<script type="application/json" id="%s">(.*?)</script>' % re.escape(ident), page, re.S)
    return json.loads(m.group(1)) if m else None


def main(argv):
    if len(argv) == 3 and argv[1] == "--csp-hash":
        print(csp_hash_of(argv[2]))
        return 0
    if len(argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    page_path, json_path, png_path = argv[1:]
    page = open(page_path, encoding="utf-8").read()
    report = json.load(open(json_path, encoding="utf-8"))
    problems = []
    chromium = find_chromium()
    print("check_html: %s against %s" % (page_path, json_path))

    # the page's CSP must allow its script
    m = re.search(r"script-src '(sha256-[A-Za-z0-9+/=]+)'", page)
    want = csp_hash_of(page_path)
    if m and m.group(1) != want:
        problems.append("the Content-Security-Policy allows %s but the page script hashes to %s: update the template "
                        "(python3 tests/report/check_html.py --csp-hash data/report/template.html)" % (m.group(1), want))
    print("  CSP: script hash %s" % ("matches" if m and m.group(1) == want else "MISSING" if not m else "differs"))
    # report-data is the report without its rollouts; they and the transcripts are in the
    # packed store of transcript-data (zlib, base64), which the page inflates on demand
    emb = embedded_json(page, "report-data")
    store = embedded_json(page, "transcript-data") or {}
    if store.get("encoding") != "zlib+base64":
        problems.append("transcript-data is not a zlib+base64 store: %r" % store.get("encoding"))
    unpack = lambda k: json.loads(zlib.decompress(base64.b64decode(store[k])).decode("utf-8")) if k in store else None
    if isinstance(emb, dict) and "rollouts" in report:
        emb["rollouts"] = unpack("rollouts")
        if store.get("rollout_count") != len(report["rollouts"]):
            problems.append("transcript-data counts %r rollouts, the report has %d" % (store.get("rollout_count"), len(report["rollouts"])))
    if emb != report:
        problems.append("the report-data embedded in %s differs from %s" % (page_path, json_path))
    transcripts = unpack("transcripts") or {"texts": [], "conversations": {}}

    work = tempfile.mkdtemp(prefix="offswitch-check-")
    try:
        hooked = os.path.join(work, "report.html")
        mh = re.search(r"<head[^>]*>", page, re.I)
        at = mh.end() if mh else 0
        with open(hooked, "w", encoding="utf-8") as f:
            f.write(page[:at] + HOOK + page[at:])
        url = "file://" + hooked

        # hostile strings the page must show as text right away (runs, warnings, models)
        first_screen = "\n".join([str(r.get("dir")) for r in report.get("runs", [])] + [str(w) for w in report.get("warnings", [])]
                                 + [str(r.get("model")) for r in report.get("rates", [])])
        expect = [s for s in HOSTILE if s in first_screen]

        # 1. the page
        rc, dom, err = run_chromium(chromium, ["--dump-dom"], url)
        if rc != 0 or "<html" not in dom:
            problems.append("chromium --dump-dom failed (exit %d): %s" % (rc, err.strip()[-800:]))
        check_console(err, "page", problems)
        root = parse_dom(dom)
        check_security(root, "page", problems, expect)
        check_rates(root, report, problems)
        check_sources(root, report, problems)
        if not any(n.attrs.get("id") == "transcript" for n in root.walk()):
            problems.append("no element with id=\"transcript\"")

        # 2. the page opened on the rollout with the most hostile text in its transcript
        convs = transcripts.get("conversations") or {}
        texts = transcripts.get("texts") or []
        best, score = None, -1
        for rid, conv in convs.items():
            s = 0
            for msg in conv:
                blob = texts[msg["c"]] + "".join(texts[c["a"]] for c in msg.get("calls", []))
                s += sum(blob.count(x) for x in HOSTILE)
            if s > score:
                best, score = rid, s
        if best is not None:
            rc, dom2, err2 = run_chromium(chromium, ["--dump-dom"], url + "#rollout-" + best)
            if rc != 0 or "<html" not in dom2:
                problems.append("chromium --dump-dom #rollout-%s failed (exit %d)" % (best, rc))
            check_console(err2, "rollout %s" % best, problems)
            root2 = parse_dom(dom2)
            conv = convs[best]
            blob = "".join(texts[m["c"]] + "".join(texts[c["a"]] for c in m.get("calls", [])) for m in conv)
            check_security(root2, "rollout %s" % best, problems, expect + [s for s in HOSTILE if s in blob and s not in expect])
            check_rollout_view(root2, conv, texts, best, problems)

        # 3. screenshot
        if os.path.exists(png_path):
            os.remove(png_path)
        rc, _, err3 = run_chromium(chromium, ["--screenshot=" + os.path.abspath(png_path), "--window-size=1400,2000",
                                              "--hide-scrollbars"], url)
        check_console(err3, "screenshot", problems)
        check_png(png_path, problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if problems:
        print("FAIL: %d problem(s)" % len(problems))
        for p in problems:
            print("  " + p)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
