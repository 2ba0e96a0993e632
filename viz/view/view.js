/*
 * netsim view: step through the life of a packet, one operation at a time.
 *
 * data.js (written by `netsim view`) defines NETSIM: hosts, packets (each
 * with its path picture as SVG and its steps: the skb_events rows of the
 * skbs that carried it, with the SVG node and edge each is drawn at, and
 * who paid for it), and the queue lengths over time.  This file draws the
 * rest: the highlighted picture, the buffer bar, the queue table, the wire
 * and the timeline across hosts.  No library, nothing fetched.
 *
 * The address says what is shown: index.html#skb=N&step=K (K from 1).
 */
"use strict";
(function () {
  var D = window.NETSIM;
  var $ = function (id) { return document.getElementById(id); };
  var cur = { p: -1, k: 0, buf: null };

  function fmtTime(ns) {
    if (ns === null || ns === undefined) return "?";
    return ns < 1e6 ? (ns / 1e3).toFixed(3) + " \u00b5s" : (ns / 1e6).toFixed(3) + " ms";
  }
  function hostName(h) { return D.hosts[h] || "host " + h; }
  function esc(s) {
    return String(s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }

  /* What a step did, in words: netsim show --skb's operation and queue
   * columns for the same row, written into data.js by the same C function
   * (viz/step.c), never reworded here. */
  function what(e) {
    var w = e.what === null || e.what === undefined ? "-" : e.what;
    return e.where ? w + " \u00b7 " + e.where : w;
  }

  /* The buffer after each step: from pointer columns when the trace has
   * them, else derived: head 0, data = data_off, tail = data + len, end =
   * the size alloc asked for; a header starts where its push left data, or
   * where data was before its pull. */
  function buffers(pkt) {
    var per = {}, out = [];
    pkt.steps.forEach(function (e) {
      var b = per[e.skb] || (per[e.skb] = { size: null, data: null, len: null, hdr: {}, from: "derived" });
      if (e.op === NETSIM.op.ALLOC) { b.size = e.len; b.len = 0; }
      else if (e.len !== null && e.op !== NETSIM.op.FREE) b.len = e.len;
      if (e.op === NETSIM.op.PULL && e.data_off !== null && e.bytes !== null) b.hdr[e.layer] = e.data_off - e.bytes;
      if (e.data_off !== null) b.data = e.data_off;
      if (e.op === NETSIM.op.PUSH && e.data_off !== null) b.hdr[e.layer] = e.data_off;
      var s = { skb: e.skb, size: b.size, data: b.data, len: b.len, hdr: {}, from: b.from, freed: e.op === NETSIM.op.FREE };
      Object.keys(b.hdr).forEach(function (k) { s.hdr[k] = b.hdr[k]; });
      if (e.ptr) {
        var p = e.ptr, keys = Object.keys(p);
        keys.forEach(function (k) {
          if (p[k] === null) return;
          if (/tail/.test(k)) s.tail = p[k];
          else if (/end/.test(k)) s.size = p[k];
          else if (/^data|data$/.test(k)) s.data = p[k];
          else if (/mac/.test(k)) s.hdr.eth = p[k];
          else if (/network/.test(k)) s.hdr.ip = p[k];
          else if (/transport/.test(k)) s.hdr.transport = p[k];
        });
        s.from = "the trace's pointer columns";
        b.from = s.from;
      }
      if (s.tail === undefined && s.data !== null && s.len !== null) s.tail = s.data + s.len;
      out.push(s);
    });
    return out;
  }

  var hdrColor = { eth: "#f28e2b", ip: "#4e79a7", arp: "#4e79a7", udp: "#59a14f", tcp: "#59a14f", icmp: "#b07aa1", transport: "#59a14f" };

  function drawBuffer(b) {
    var c = $("buffer"), g = c.getContext("2d"), W = c.width, H = c.height;
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, W, H);
    g.font = "14px Helvetica, Arial, sans-serif";
    if (!b || !b.size) {
      g.fillStyle = "#555"; g.fillText("skb " + (b ? b.skb : "?") + ": buffer size not in the trace", 10, 30);
      $("ptrs").textContent = "";
      return;
    }
    var x0 = 20, w = W - 40, y = 38, h = 42, sc = w / b.size;
    var X = function (off) { return x0 + off * sc; };
    g.fillStyle = "#eeeeee"; g.fillRect(x0, y, w, h);
    if (b.data !== null && b.tail !== undefined) {
      g.fillStyle = "#9ecae1"; g.fillRect(X(b.data), y, Math.max((b.tail - b.data) * sc, 1), h);
    }
    /* headers, in the order they sit in the buffer */
    var hs = Object.keys(b.hdr).map(function (k) { return [k, b.hdr[k]]; }).sort(function (a, c2) { return a[1] - c2[1]; });
    hs.forEach(function (hd, i) {
      var end = i + 1 < hs.length ? hs[i + 1][1] : (b.tail !== undefined ? Math.min(b.tail, hd[1] + 60) : hd[1] + 20);
      g.fillStyle = hdrColor[hd[0]] || "#999";
      g.fillRect(X(hd[1]), y + 4, Math.max((end - hd[1]) * sc, 2), h - 8);
    });
    g.strokeStyle = "#333"; g.lineWidth = 2; g.strokeRect(x0, y, w, h);
    /* the four pointers; labels on two rows so that they never collide */
    var marks = [["head", 0], ["data", b.data], ["tail", b.tail], ["end", b.size]];
    var row = 0, lastx = -1e9;
    marks.forEach(function (m) {
      if (m[1] === null || m[1] === undefined) return;
      var x = X(m[1]);
      g.strokeStyle = "#d4006a"; g.beginPath(); g.moveTo(x, y - 4); g.lineTo(x, y + h + 4); g.stroke();
      var label = m[0] + " " + m[1];
      var tw = g.measureText(label).width;
      row = x - lastx < tw + 8 ? 1 - row : 0;
      lastx = x;
      g.fillStyle = "#d4006a";
      var tx = Math.min(Math.max(x - tw / 2, 0), W - tw);
      g.fillText(label, tx, row ? y + h + 34 : y + h + 18);
    });
    g.fillStyle = "#333";
    g.fillText("skb " + b.skb + (b.freed ? " (freed)" : "") + ": " + b.size + " B buffer, " + (b.len === null ? "?" : b.len) + " B of data", x0, 18);
    var legend = hs.map(function (hd) { return hd[0] + " header @" + hd[1]; }).join(" \u00b7 ");
    $("ptrs").textContent = (legend ? legend + " \u2014 " : "") + "pointers: " + b.from;
  }

  /* the queue's length after the operation numbered @seq (entries: [seq, qlen]) */
  function qlenAt(list, seq) {
    var lo = 0, hi = list.length;
    while (lo < hi) { var m = (lo + hi) >> 1; if (list[m][0] <= seq) lo = m + 1; else hi = m; }
    return lo ? list[lo - 1][1] : 0;
  }

  function drawQueues(e) {
    var qs = (D.queues && D.queues[e.host]) || {}, rows = [];
    $("qhost").textContent = hostName(e.host) + " at " + fmtTime(e.t);
    Object.keys(qs).sort().forEach(function (q) {
      rows.push("<tr" + (q === e.queue ? ' class="here"' : "") + "><td>" + esc(q) + "</td><td>" + qlenAt(qs[q], e.seq) + "</td></tr>");
    });
    $("queues").innerHTML = rows.length ? "<tr><td><b>queue</b></td><td><b>length</b></td></tr>" + rows.join("") : "<tr><td>no queue used</td></tr>";
  }

  function drawTimeline(pkt, k) {
    var c = $("timeline"), g = c.getContext("2d"), W = c.width, H = c.height;
    var steps = pkt.steps, hosts = [], seen = {};
    steps.forEach(function (e) { if (!seen[e.host]) { seen[e.host] = 1; hosts.push(e.host); } });
    var placed = steps.filter(function (e) { return e.node; });
    var ts = (placed.length ? placed : steps).map(function (e) { return e.t; });
    var t0 = Math.min.apply(null, ts), t1 = Math.max.apply(null, ts);
    if (t1 <= t0) t1 = t0 + 1000;
    var L = 110, R = W - 20, rowH = (H - 40) / Math.max(hosts.length, 1);
    var X = function (t) { return L + (Math.min(Math.max(t, t0), t1) - t0) / (t1 - t0) * (R - L); };
    var Y = function (h) { return 14 + (hosts.indexOf(h) + 0.5) * rowH; };
    g.fillStyle = "#ffffff"; g.fillRect(0, 0, W, H);
    g.font = "15px Helvetica, Arial, sans-serif";
    hosts.forEach(function (h) {
      g.fillStyle = "#333"; g.fillText(hostName(h), 8, Y(h) + 5);
      g.strokeStyle = "#cccccc"; g.lineWidth = 1; g.beginPath(); g.moveTo(L, Y(h)); g.lineTo(R, Y(h)); g.stroke();
    });
    /* the wire: from the frame's tx to its rx */
    var tx = {};
    steps.forEach(function (e) { if (e.op === "wire" && e.func !== "rx") tx[e.skb] = e; });
    g.strokeStyle = "#1f5fa8"; g.lineWidth = 2;
    steps.forEach(function (e) {
      var s = e.op === "wire" && e.func === "rx" ? tx[e.other] : null;
      if (s) { g.beginPath(); g.moveTo(X(s.t), Y(s.host)); g.lineTo(X(e.t), Y(e.host)); g.stroke(); }
    });
    var ctxColor = { hardirq: "#b01010", softirq: "#1f5fa8", task: "#2e7d32", hw: "#6a3d9a" };
    steps.forEach(function (e, i) {
      g.fillStyle = i <= k ? (ctxColor[e.ctx] || "#555") : "#bbbbbb";
      g.beginPath(); g.arc(X(e.t), Y(e.host), 4, 0, 2 * Math.PI); g.fill();
    });
    var e = steps[k];
    g.strokeStyle = "#d4006a"; g.lineWidth = 3;
    g.beginPath(); g.arc(X(e.t), Y(e.host), 10, 0, 2 * Math.PI); g.stroke();
    g.fillStyle = "#555"; g.font = "13px Helvetica, Arial, sans-serif";
    g.fillText(fmtTime(t0), L, H - 6);
    var end = fmtTime(t1);
    g.fillText(end, R - g.measureText(end).width, H - 6);
    var legend = "dots: hardirq red \u00b7 softirq blue \u00b7 task green \u00b7 NIC purple";
    g.fillText(legend, (L + R - g.measureText(legend).width) / 2, H - 6);
  }

  function highlight(pkt, k) {
    var svg = $("picture").querySelector("svg");
    if (!svg) return;
    Array.prototype.forEach.call(svg.querySelectorAll(".current, .later"), function (el) {
      el.classList.remove("current"); el.classList.remove("later");
    });
    var done = {};
    pkt.steps.forEach(function (e, i) {
      var ids = [];
      if (e.node) ids.push(e.node);
      if (e.edge > 0) ids.push("pe" + e.edge);
      ids.forEach(function (id) {
        if (i <= k) done[id] = 1;
        else if (!done[id]) {
          var el = document.getElementById(id);
          if (el) el.classList.add("later");
        }
      });
    });
    Object.keys(done).forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.classList.remove("later");
    });
    var e = pkt.steps[k], shown = [];
    [e.node, e.edge > 0 ? "pe" + e.edge : null].forEach(function (id) {
      var el = id && document.getElementById(id);
      if (el) { el.classList.add("current"); shown.push(id); }
    });
    document.body.setAttribute("data-highlight", shown.join(" "));
    if (shown.length) {
      var el = document.getElementById(shown[shown.length - 1]);
      if (el && el.scrollIntoView) el.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  function showStep() {
    var pkt = D.packets[cur.p], n = pkt.steps.length;
    cur.k = Math.max(0, Math.min(cur.k, n - 1));
    var e = pkt.steps[cur.k], k = cur.k;
    $("stepno").textContent = "step " + (k + 1) + " of " + n;
    var paid = e.ctx === "hw" ? "the NIC itself: no CPU" :
      (e.paid ? e.paid + " (" + e.ctx + ")" : e.ctx + " (no stretch of CPU time recorded at this moment)");
    var div = $("step");
    div.innerHTML =
      '<div class="op">' + esc(what(e)) + "</div>" +
      "<div>at <b>" + fmtTime(e.t) + "</b> on <b>" + esc(hostName(e.host)) + "</b>, layer <b>" + esc(e.layer) + "</b>, skb " + e.skb + "</div>" +
      '<div>context <b class="ctx-' + esc(e.ctx) + '">' + esc(e.ctx) + "</b>; paid by <b>" + esc(paid) + "</b>" +
      (e.task && e.ctx !== "task" ? "; the task it interrupted: " + esc(e.task) : "") + "</div>" +
      (e.data_off !== null || e.len !== null ? "<div>data_off " + (e.data_off === null ? "-" : e.data_off) + ", len " + (e.len === null ? "-" : e.len) + "</div>" : "") +
      (e.node ? "" : "<div><i>before the packet came here (the RX ring's buffer), or after it moved on</i></div>");
    ["seq", "host", "ctx", "layer", "op", "skb"].forEach(function (a) { div.setAttribute("data-" + a, e[a]); });
    div.setAttribute("data-hostname", hostName(e.host));
    drawBuffer(cur.buf[k]);
    drawQueues(e);
    $("wire").textContent = e.op === "wire" ? (e.func === "rx" ? "the frame arrived from the wire at " : "the frame is on the wire from ") + e.queue + ": " + e.len + " bytes" : "";
    drawTimeline(pkt, k);
    highlight(pkt, k);
    var items = $("steplist").children;
    for (var i = 0; i < items.length; i++) {
      items[i].className = i === k ? "current" : i > k ? "later" : "";
    }
    document.body.setAttribute("data-skb", pkt.skb);
    document.body.setAttribute("data-step", k + 1);
    var h = "#skb=" + pkt.skb + "&step=" + (k + 1);
    if (location.hash !== h && history.replaceState) history.replaceState(null, "", h);
  }

  function showPacket(p, k) {
    if (p < 0 || p >= D.packets.length) return;
    var pkt = D.packets[p];
    if (cur.p !== p) {
      cur.p = p;
      $("picture").innerHTML = pkt.svg;
      cur.buf = buffers(pkt);
      $("steplist").innerHTML = pkt.steps.map(function (e, i) {
        return '<li data-k="' + i + '">' + esc(fmtTime(e.t)) + " " + esc(hostName(e.host)) + " " + esc(e.ctx) + " " + esc(e.layer) + ": " + esc(what(e)) + "</li>";
      }).join("");
      $("packet").value = String(p);
    }
    cur.k = k;
    showStep();
  }

  function fromHash() {
    var m = /skb=(\d+)/.exec(location.hash), s = /step=(\d+)/.exec(location.hash);
    var p = 0;
    if (m) {
      var want = Number(m[1]);
      for (var i = 0; i < D.packets.length; i++) {
        if (D.packets[i].skb === want || D.packets[i].skbs.indexOf(want) >= 0) { p = i; break; }
      }
    }
    showPacket(p, s ? Number(s[1]) - 1 : 0);
  }

  function fillPicker() {
    var f = $("flow").value.trim().toLowerCase(), sel = $("packet"), opts = [];
    D.packets.forEach(function (pkt, i) {
      var text = "skb " + pkt.skb + " \u00b7 " + pkt.label + " \u00b7 " + fmtTime(pkt.t) + " \u00b7 " + hostName(pkt.host);
      if (!f || text.toLowerCase().indexOf(f) >= 0 || i === cur.p)
        opts.push('<option value="' + i + '">' + esc(text) + "</option>");
    });
    sel.innerHTML = opts.join("");
    if (cur.p >= 0) sel.value = String(cur.p);
  }

  function init() {
    if (!D || !D.packets || !D.packets.length) {
      document.body.innerHTML = "<p>netsim view: data.js has no packets.</p>";
      return;
    }
    $("scenario").textContent = D.scenario ? "\u2014 " + D.scenario : "";
    fillPicker();
    $("packet").addEventListener("change", function () { showPacket(Number(this.value), 0); });
    $("flow").addEventListener("input", function () {
      fillPicker();
      var first = $("packet").options[0];
      if (first && Number(first.value) !== cur.p && $("flow").value) showPacket(Number(first.value), 0);
    });
    $("go-time").addEventListener("click", function () {
      var t = parseFloat($("time").value) * 1e6, best = 0;
      if (isNaN(t)) return;
      D.packets.forEach(function (pkt, i) { if (pkt.t <= t) best = i; });
      showPacket(best, 0);
    });
    $("prev").addEventListener("click", function () { cur.k--; showStep(); });
    $("next").addEventListener("click", function () { cur.k++; showStep(); });
    $("first").addEventListener("click", function () { cur.k = 0; showStep(); });
    $("last").addEventListener("click", function () { cur.k = 1e9; showStep(); });
    $("steplist").addEventListener("click", function (ev) {
      var li = ev.target.closest("li");
      if (li) { cur.k = Number(li.getAttribute("data-k")); showStep(); }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.target && /INPUT|SELECT/.test(ev.target.tagName)) return;
      var key = ev.key;
      if (key === "ArrowRight" || key === "ArrowDown" || key === "j" || key === " ") cur.k++;
      else if (key === "ArrowLeft" || key === "ArrowUp" || key === "k") cur.k--;
      else if (key === "Home") cur.k = 0;
      else if (key === "End") cur.k = 1e9;
      else if (key === "n") { showPacket(Math.min(cur.p + 1, D.packets.length - 1), 0); ev.preventDefault(); return; }
      else if (key === "p") { showPacket(Math.max(cur.p - 1, 0), 0); ev.preventDefault(); return; }
      else return;
      ev.preventDefault();
      showStep();
    });
    window.addEventListener("hashchange", fromHash);
    fromHash();
  }

  /* for tests and for the curious: the state, and a way to go to a step */
  window.netsimView = {
    go: function (skb, step) { location.hash = "#skb=" + skb + "&step=" + step; fromHash(); },
    state: function () { return { skb: D.packets[cur.p].skb, step: cur.k + 1, steps: D.packets[cur.p].steps.length }; }
  };
  init();
})();
