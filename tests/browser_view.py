#!/usr/bin/env python3
"""tests/browser_view.py - drive the page of `netsim view` in headless Chromium.

    browser_view.py CHROMIUM URL SHOW.json SHOTS_DIR

Talks the DevTools protocol over --remote-debugging-pipe (fd 3 and 4,
messages ended by NUL), with the standard library only.  Opens URL (the
page at #skb=N&step=1), and checks, printing TAP lines:
  - no console error and no uncaught exception, from load to the end;
  - the timeline and buffer canvases are not empty (non-white pixels);
  - the arrow keys step forward and back, and the page says so;
  - for every step K, the operation the page shows (its seq, host,
    context, layer, operation and its words) is row K of `netsim show --skb N
    --format json`, and the picture highlights an element of that host;
and saves a screenshot of the first, a middle and the last step in
SHOTS_DIR.  Exit 0 when every check passed, 1 otherwise.
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

chromium, url, show_json, shots = sys.argv[1:5]
show = json.load(open(show_json))
rows = show["events"]
checks = 0
failed = 0


def ok(cond, what):
    global checks, failed
    checks += 1
    if not cond:
        failed += 1
    print(("ok" if cond else "not ok") + " %d - %s" % (checks, what), flush=True)
    return cond


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix="netsim-chromium.")
        to_child_r, self.to_child = os.pipe()
        self.from_child, from_child_w = os.pipe()

        def fds():
            # by way of 10 and 11, in case a pipe end is already 3 or 4
            # (dup2 onto itself would keep its close-on-exec flag)
            os.dup2(to_child_r, 10)
            os.dup2(from_child_w, 11)
            os.dup2(10, 3)
            os.dup2(11, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--disable-extensions",
             "--user-data-dir=" + self.profile, "--remote-debugging-pipe",
             "--window-size=1600,1200", "about:blank"],
            # fds 3 and 4 are made in the child (dup2 makes them inheritable);
            # close_fds would close them again after preexec_fn
            preexec_fn=fds, close_fds=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child_r)
        os.close(from_child_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_child, json.dumps(msg).encode() + b"\0")
        while True:
            m = self.read()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError("%s: %s" % (method, m["error"]))
                return m.get("result", {})
            self.events.append(m)

    def read(self):
        deadline = time.monotonic() + 60
        while b"\0" not in self.buf:
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not answer in 60 s")
            chunk = os.read(self.from_child, 1 << 20)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait_event(self, method):
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                del self.events[i]
                return m
        while True:
            m = self.read()
            if m.get("method") == method:
                return m
            self.events.append(m)

    def eval(self, expr):
        r = self.send("Runtime.evaluate", {"expression": expr, "returnByValue": True})
        if "exceptionDetails" in r:
            raise RuntimeError("page script failed: %s" % r["exceptionDetails"])
        return r["result"].get("value")

    def key(self, name, code):
        for t in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": t, "key": name, "code": name,
                                                 "windowsVirtualKeyCode": code})

    def shot(self, path):
        r = self.send("Page.captureScreenshot", {"format": "png"})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def errors(self):
        out = []
        for m in self.events:
            meth, p = m.get("method"), m.get("params", {})
            if meth == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif meth == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console.error: " + json.dumps(p.get("args"))[:300])
            elif meth == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
                out.append("log: " + p["entry"].get("text", "")[:300])
        return out

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


b = Browser()
try:
    targets = b.send("Target.getTargets", session=False)["targetInfos"]
    page = [t for t in targets if t["type"] == "page"][0]
    b.session = b.send("Target.attachToTarget", {"targetId": page["targetId"], "flatten": True},
                       session=False)["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        b.send(domain + ".enable")
    b.send("Emulation.setDeviceMetricsOverride",
           {"width": 1600, "height": 1200, "deviceScaleFactor": 1, "mobile": False})
    b.send("Page.navigate", {"url": url})
    b.wait_event("Page.loadEventFired")

    state = b.eval("window.netsimView && netsimView.state()")
    ok(state is not None, "the page loaded and started (netsimView exists)")
    n = state["steps"] if state else 0
    ok(state and state["skb"] == show["skb"] and state["step"] == 1,
       "it opened skb %s at step 1 as the address says (got %s)" % (show["skb"], state))
    ok(n == len(rows), "it has as many steps (%d) as netsim show has rows (%d)" % (n, len(rows)))
    ink = """(function (id) { var c = document.getElementById(id), g = c.getContext('2d');
        var d = g.getImageData(0, 0, c.width, c.height).data, n = 0;
        for (var i = 0; i < d.length; i += 4) if (d[i] < 200 || d[i+1] < 200 || d[i+2] < 200) n++;
        return n; })"""
    for cv in ("timeline", "buffer"):
        px = b.eval(ink + "('%s')" % cv)
        ok(px and px > 200, "the %s canvas is drawn (%s dark pixels)" % (cv, px))
    os.makedirs(shots, exist_ok=True)
    b.shot(os.path.join(shots, "step-1.png"))

    b.key("ArrowRight", 39)
    b.key("ArrowRight", 39)
    s = b.eval("netsimView.state().step")
    ok(s == 3, "two presses of the right arrow go to step 3 (at %s)" % s)
    ok(b.eval("location.hash") == "#skb=%d&step=3" % show["skb"], "and the address follows")
    b.key("ArrowLeft", 37)
    s = b.eval("netsimView.state().step")
    ok(s == 2, "the left arrow goes back to step 2 (at %s)" % s)
    b.key("End", 35)
    ok(b.eval("netsimView.state().step") == n, "End goes to the last step")
    b.shot(os.path.join(shots, "step-last.png"))

    hostid = {name: int(i) for i, name in b.eval("NETSIM.hosts").items()} \
        if isinstance(b.eval("NETSIM.hosts"), dict) else {}
    bad = []
    unhighlighted = 0
    for k in range(1, n + 1):
        b.eval("netsimView.go(%d, %d)" % (show["skb"], k))
        got = b.eval("""(function () { var d = document.getElementById('step');
            return { seq: +d.getAttribute('data-seq'), host: d.getAttribute('data-hostname'),
                     ctx: d.getAttribute('data-ctx'), layer: d.getAttribute('data-layer'),
                     op: d.getAttribute('data-op'),
                     words: d.querySelector('.op').textContent,
                     hl: document.body.getAttribute('data-highlight'),
                     current: document.querySelectorAll('#picture .current').length }; })()""")
        row = rows[k - 1]
        want = {"seq": row["seq"], "host": row["host"], "ctx": row["ctx"],
                "layer": row["layer"], "op": row["op"]}
        # the words are show's operation and queue columns for that row
        want["words"] = (row.get("operation") or "-") + \
            (" \u00b7 " + row["queue_text"] if row.get("queue_text") else "")
        mine = {key: got[key] for key in want}
        if mine != want:
            bad.append("step %d: page %s, show %s" % (k, mine, want))
        if got["hl"]:
            prefix = "h%d_" % hostid.get(row["host"], -1)
            ids = got["hl"].split()
            # the place is on the host of the event; a wire edge ends there
            if not any(i.startswith(prefix) or i.startswith("pe") for i in ids) or \
                    got["current"] != len(ids):
                bad.append("step %d: highlighted %s (%d marked) for %s on %s" %
                           (k, got["hl"], got["current"], row["op"], row["host"]))
        else:
            unhighlighted += 1
        if k == (n + 1) // 2:
            b.shot(os.path.join(shots, "step-%d.png" % k))
    ok(not bad, "every step shows netsim show's row, in its words, and highlights a place of "
       "that host" +
       ("".join("\n#   " + x for x in bad[:8])))
    ok(unhighlighted < n / 4, "%d of %d steps highlight a place of the picture" %
       (n - unhighlighted, n))
    errs = b.errors()
    ok(not errs, "no console error or exception" + "".join("\n#   " + e for e in errs[:5]))
except Exception as e:  # a broken pipe, a timeout: a failure, said plainly
    ok(False, "the browser session: %s" % e)
finally:
    b.close()
print("1..%d" % checks)
sys.exit(1 if failed else 0)
