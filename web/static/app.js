"use strict";
// The tlsecho workbench: connects to a WebSocket echo server, sends text,
// binary and bursts, checks every echo against what was sent and charts
// round-trip times.
//
// The page runs under a Content-Security-Policy with script-src 'self' and
// Trusted Types without a policy, so it builds the DOM only with
// createElement and textContent, and styles only through classes.
(() => {
  const $ = (id) => document.getElementById(id);

  // Bounds that keep a long session from eating memory.
  const LOG_MAX = 1000; // log lines kept
  const FLUSH_MAX = 100; // log lines made in one frame, for a page that keeps up
  const SAMPLES_MAX = 2000; // round-trip times kept for the statistics
  const CHART_POINTS = 160; // newest round-trip times drawn
  const BURST_INFLIGHT_BYTES = 8 << 20; // unechoed burst bytes at most
  const BURST_INFLIGHT_MSGS = 1000; // unechoed burst messages at most
  const PREVIEW_CHARS = 160; // characters of a text message shown in its line
  const PREVIEW_UNITS = 1024; // UTF-16 code units at most, however long a character
  const PREVIEW_BYTES = 24; // bytes of a binary message shown in its line
  const ANNOUNCE_MAX = 5; // log lines a second a screen reader reads one by one

  // The names of the IANA WebSocket Close Code Number Registry (RFC 6455
  // section 11.7), 1000-1015, in lower case. 1004 is reserved, and 1005,
  // 1006 and 1015 are never sent on the wire: a browser reports them for a
  // close frame without a code, a connection lost without one, and a
  // failed TLS handshake.
  const CLOSE_NAMES = {
    1000: "normal closure", 1001: "going away", 1002: "protocol error",
    1003: "unsupported data", 1004: "reserved", 1005: "no status received",
    1006: "abnormal closure", 1007: "invalid frame payload data", 1008: "policy violation",
    1009: "message too big", 1010: "mandatory extension", 1011: "internal error",
    1012: "service restart", 1013: "try again later", 1014: "bad gateway",
    1015: "TLS handshake failure",
  };

  const ui = {
    state: $("state"), url: $("url"), proto: $("proto"), fault: $("fault"),
    connectBtn: $("connect-btn"), disconnectBtn: $("disconnect-btn"), connHint: $("conn-hint"),
    negProto: $("neg-proto"), negExt: $("neg-ext"),
    text: $("text-msg"), hex: $("hex-msg"), file: $("file"),
    burstN: $("burst-n"), burstSize: $("burst-size"), burstBtn: $("burst-btn"),
    burstProgress: $("burst-progress"), burstResult: $("burst-result"),
    chart: $("chart"), log: $("log"), logStatus: $("log-status"), autoscroll: $("autoscroll"),
  };
  const sendButtons = [$("text-btn"), $("hex-btn"), $("file-btn"), ui.burstBtn];
  const encoder = new TextEncoder();
  const segmenter = typeof Intl.Segmenter === "function" ? new Intl.Segmenter() : null;

  // The page finds its files, /info and /ws beside itself, not at the
  // root: behind an ingress that serves it under a path (/echo/ in front
  // of /), the same relative URLs go through the ingress too.
  const ownWS = new URL("ws", location.href);
  ownWS.protocol = location.protocol === "http:" ? "ws:" : "wss:";
  ui.url.value = ownWS.href;

  // ---- state -------------------------------------------------------------

  let sock = null;
  // The socket the user asked to disconnect, so its end is told apart
  // from one the server or the network chose.
  let leaving = null;
  let burst = null;
  // Echoes come back in the order the messages went out, so the pending
  // messages form a queue; head avoids O(n) shifts during a burst.
  let pending = [];
  let head = 0;
  const totals = { sentMsgs: 0, sentBytes: 0, recvMsgs: 0, recvBytes: 0, bad: 0, echoes: 0 };
  // The largest message this page's own server takes, from /info; 0 while
  // not known.
  let messageLimit = 0;
  let samples = [];

  function setState(name, detail) {
    const focused = document.activeElement;
    ui.state.dataset.state = name;
    ui.state.textContent = detail ? name + " " + withPictures(detail) : name;
    const idle = name === "closed";
    ui.connectBtn.disabled = !idle;
    ui.url.disabled = !idle;
    ui.proto.disabled = !idle;
    ui.fault.readOnly = !idle;
    // While closing it stays enabled: a second click stops waiting for a
    // server that does not answer the close. Its text says so; a title
    // alone reached neither the keyboard nor a touch screen.
    ui.disconnectBtn.disabled = idle;
    ui.disconnectBtn.textContent = name === "closing" ? "Stop waiting" : "Disconnect";
    ui.disconnectBtn.title = name === "closing" ? "stop waiting for the server's close and let the socket go" : "";
    for (const b of sendButtons) b.disabled = name !== "open";
    // A control disabled while it has the focus drops it to the page
    // itself: a keyboard user who pressed Connect or Disconnect was left
    // with no focus to see and Tab starting over. Focus goes to the
    // button that now does the opposite.
    if (focused && focused.disabled) (idle ? ui.connectBtn : ui.disconnectBtn).focus();
  }

  function isOpen() {
    return sock !== null && sock.readyState === WebSocket.OPEN;
  }

  // ---- formatting ----------------------------------------------------------

  function fmtBytes(n) {
    if (n < 1024) return n + " B";
    if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + " KiB";
    return (n / 1048576).toFixed(1) + " MiB";
  }

  // fmtSize is fmtBytes with the exact count beside a rounded one, for a
  // limit a user compares a message with.
  function fmtSize(n) {
    return n < 1024 ? fmtBytes(n) : n + " bytes (" + fmtBytes(n) + ")";
  }

  // utf8Length is the size of s in UTF-8, as it went over the wire,
  // without encoding it: a message event does not give the size, and
  // encoding each text message to count it cost more than the rest of
  // the page's work on it, under a server's stream of small messages.
  function utf8Length(s) {
    let n = 0;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        n += 4;
        i++;
      } else n += 3;
    }
    return n;
  }

  function fmtMs(ms) {
    if (ms < 1) return ms.toFixed(2) + " ms";
    if (ms < 100) return ms.toFixed(1) + " ms";
    return Math.round(ms) + " ms";
  }

  function clock(ms) {
    const d = new Date(ms);
    const p = (n, w) => String(n).padStart(w, "0");
    return p(d.getHours(), 2) + ":" + p(d.getMinutes(), 2) + ":" + p(d.getSeconds(), 2) + "." + p(d.getMilliseconds(), 3);
  }

  // A preview is what a log line shows of a message: its text, and cut
  // set when that is only the message's start. The line marks a cut one
  // apart from the text, which an ellipsis at its end could not do (the
  // message may end with one).
  function hexPreview(bytes) {
    const n = Math.min(bytes.length, PREVIEW_BYTES);
    const parts = [];
    for (let i = 0; i < n; i++) parts.push(bytes[i].toString(16).padStart(2, "0"));
    const cut = bytes.length > n;
    return { text: parts.join(" ") + (cut ? " …" : ""), cut };
  }

  function textPreview(s) {
    const end = previewEnd(s);
    return end < s.length ? { text: s.slice(0, end) + "…", cut: true } : { text: s, cut: false };
  }

  // previewEnd is where the preview of s ends: after PREVIEW_CHARS
  // characters as a reader counts them (grapheme clusters, where the
  // browser has Intl.Segmenter), so a flag or a family emoji is never
  // split, and never inside a surrogate pair, whose lone half would be
  // drawn as a replacement character. A cluster can be any length (a
  // letter under thousands of combining marks), so the preview stops
  // before PREVIEW_UNITS code units too; when its first cluster is longer
  // than that, it is cut between code points.
  function previewEnd(s) {
    if (s.length <= PREVIEW_CHARS) return s.length;
    if (segmenter) {
      let end = 0, n = 0;
      for (const { index, segment } of segmenter.segment(s)) {
        if (n === PREVIEW_CHARS || index + segment.length > PREVIEW_UNITS) break;
        end = index + segment.length;
        n++;
      }
      if (n > 0) return end;
    }
    let i = 0;
    for (let n = 0; n < PREVIEW_CHARS && i < s.length; n++) i += s.codePointAt(i) > 0xffff ? 2 : 1;
    return i;
  }

  // bidiBalanced is s without the PDIs (U+2069) that close no isolate s
  // opened itself, and with a PDI for each isolate it leaves open. The
  // page sets a server's text between isolates (an FSI and a PDI, or an
  // element with unicode-bidi: isolate, which Chromium lays out with the
  // same two characters), so that a right-to-left override in it ends
  // with it; a stray PDI of its own would end the isolate early and let
  // an override after it run on over the page's words. A PDI draws
  // nothing, so what is shown does not change.
  function bidiBalanced(s) {
    let depth = 0;
    const out = s.replace(/[\u2066-\u2069]/g, (c) => {
      if (c !== "\u2069") {
        depth++;
        return c;
      }
      if (depth === 0) return "";
      depth--;
      return c;
    });
    return out + "\u2069".repeat(depth);
  }

  // C0 controls and DEL draw nothing (NUL, ESC) or move the text (a tab,
  // and a line break under the log's white-space: pre-wrap): two different
  // messages looked the same, and a server's text of line breaks stretched
  // its log line many rows high. They are shown as their Unicode Control
  // Pictures (U+2400 plus the code, U+2421 for DEL), one character each.
  // The C1 controls (U+0080-U+009F, NEL and CSI among them) draw nothing
  // either and have no pictures: they are shown as their code in angle
  // brackets, <85> for NEL.
  const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

  function controlPicture(c) {
    const n = c.charCodeAt(0);
    if (n > 0x7f) return "<" + n.toString(16).toUpperCase() + ">";
    return String.fromCharCode(n === 0x7f ? 0x2421 : 0x2400 + n);
  }

  function withPictures(s) {
    return s.replace(CONTROLS, controlPicture);
  }

  // appendShown appends s to parent with each control as its picture in
  // an element of its own, marked, so that it stands apart from a real
  // "␀" in the text, and titled with its code point.
  function appendShown(parent, s) {
    let last = 0;
    for (const m of s.matchAll(CONTROLS)) {
      if (m.index > last) parent.append(s.slice(last, m.index));
      const e = document.createElement("span");
      e.className = "ctl";
      e.textContent = controlPicture(m[0]);
      e.title = "control character U+" + m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
      parent.append(e);
      last = m.index + 1;
    }
    if (last < s.length) parent.append(s.slice(last));
  }

  // closeText describes a close. The reason is the server's text, set in
  // the middle of the page's own: it goes between Unicode isolates (FSI,
  // PDI), so a right-to-left override in it cannot run on and reorder the
  // closing quote and the words after it.
  function closeText(code, reason) {
    let s = String(code);
    if (CLOSE_NAMES[code]) s += " " + CLOSE_NAMES[code];
    // RFC 6455 section 7.4.2: codes no registry entry names. Chromium
    // passes on any code a server sends but 1005, 1006 and 1015, also
    // those no endpoint may send: below 1000, above 4999, and 1016-2999,
    // which are kept for the protocol and not assigned.
    else if (code >= 3000 && code <= 3999) s += " library code";
    else if (code >= 4000 && code <= 4999) s += " private-use code";
    else if (code > 1015 && code < 3000) s += " unassigned code";
    else s += " invalid close code";
    if (reason) s += " “\u2068" + bidiBalanced(reason) + "\u2069”";
    return s;
  }

  // ---- log -----------------------------------------------------------------

  // Lines wait here for the next frame and go into the log together: a
  // fast stream of messages would otherwise lay out the page once per
  // message and leave no time for the user's clicks.
  let queuedLines = [];
  let flushQueued = false;
  // Every other line is shaded by a class it gets when it is made: with
  // :nth-child(even), dropping the oldest line flipped the shade of every
  // line after it, and restyling the whole log once a frame made a fast
  // stream of messages slow the page to a crawl.
  let linesMade = 0;

  function cell(parent, tag, cls, text) {
    const e = document.createElement(tag);
    e.className = cls;
    e.textContent = text;
    parent.appendChild(e);
    return e;
  }

  // addLine appends one line; kind is "sent", "recv", "event" or "error".
  // The line is made in a frame to come, and only if it is among the
  // LOG_MAX newest by then; its time is written then too.
  function addLine(kind, f) {
    queuedLines.push({ kind, f, t: Date.now() });
    if (queuedLines.length > 2 * LOG_MAX) queuedLines = queuedLines.slice(-LOG_MAX);
    if (!flushQueued) {
      flushQueued = true;
      requestAnimationFrame(flushLines);
    }
  }

  function makeLine({ kind, f, t }) {
    const li = document.createElement("li");
    li.className = kind + (f.bad ? " bad" : "") + (linesMade++ % 2 ? " alt" : "");
    cell(li, "time", "t", clock(t));
    cell(li, "span", "dir", { sent: "→", recv: "←", event: "•", error: "!" }[kind]);
    if (kind === "sent" || kind === "recv") {
      cell(li, "span", "kind", f.type || "");
      cell(li, "span", "size", f.size === undefined ? "" : fmtBytes(f.size));
      const rtt = cell(li, "span", "rtt", f.rtt === undefined ? "" : fmtMs(f.rtt));
      if (f.rtt !== undefined) rtt.dataset.ms = f.rtt.toFixed(3);
    }
    // The text (often the server's) is isolated, so a right-to-left
    // override in it cannot carry on over the marks that follow it.
    const body = cell(li, "span", "body", "");
    appendShown(cell(body, "span", "msg", ""), bidiBalanced(f.text || ""));
    if (f.cut) cell(body, "span", "cut", "cut").title = "only the start of the message is shown; its size is beside it";
    if (f.bad) cell(body, "span", "flag", f.bad);
    return li;
  }

  // flushLines puts the oldest FLUSH_MAX of the queued lines into the
  // log, in one change of the page, keeping the newest LOG_MAX, and
  // leaves the rest to the next frames. Under a server's stream of
  // messages, making the newest LOG_MAX lines in every frame took about
  // 100 ms of layout each and held back the user's clicks for seconds.
  function flushLines() {
    flushQueued = false;
    if (queuedLines.length > LOG_MAX) queuedLines = queuedLines.slice(-LOG_MAX);
    const lines = queuedLines.slice(0, FLUSH_MAX).map(makeLine);
    queuedLines = queuedLines.slice(FLUSH_MAX);
    if (queuedLines.length && !flushQueued) {
      flushQueued = true;
      requestAnimationFrame(flushLines);
    }
    announce(lines.length);
    const drop = ui.log.childElementCount + lines.length - LOG_MAX;
    for (let i = 0; i < drop && ui.log.firstElementChild; i++) ui.log.firstElementChild.remove();
    ui.log.append(...lines);
    if (ui.autoscroll.checked) ui.log.scrollTop = ui.log.scrollHeight;
  }

  // The log is a polite live region: a screen reader reads each line
  // added to it. A few lines a second are read one by one; past
  // ANNOUNCE_MAX in a second (a burst's errors, a server's stream of
  // thousands) the log stops being live, which would have queued every
  // line to be read long after it scrolled away, until it has been quiet
  // for a second; then one status says how many lines came meanwhile.
  let announceFrom = 0; // when the present second began
  let announced = 0; // lines added in it
  let unread = 0; // lines added while the log was not live
  let liveAgain = 0;

  function announce(n) {
    const now = performance.now();
    if (now - announceFrom >= 1000) {
      announceFrom = now;
      announced = 0;
    }
    announced += n;
    if (!unread && announced <= ANNOUNCE_MAX) return;
    if (!unread) ui.log.setAttribute("aria-live", "off");
    unread += n;
    clearTimeout(liveAgain);
    liveAgain = setTimeout(() => {
      ui.logStatus.textContent = unread + (unread === 1 ? " more line" : " more lines") + " in the log, too fast to read one by one";
      unread = 0;
      ui.log.setAttribute("aria-live", "polite");
    }, 1000);
  }

  const logEvent = (text) => addLine("event", { text });
  const problem = (text) => addLine("error", { text });

  $("clear-log").addEventListener("click", () => {
    queuedLines = [];
    ui.log.replaceChildren();
  });

  // ---- statistics and chart -----------------------------------------------

  function addSample(ms) {
    totals.echoes++;
    samples.push(ms);
    if (samples.length > SAMPLES_MAX * 1.5) samples = samples.slice(-SAMPLES_MAX);
    queueDraw();
  }

  function quantile(sorted, q) {
    if (!sorted.length) return NaN;
    const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i];
  }

  let drawQueued = false;
  function queueDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      renderStats();
      drawChart();
    });
  }

  function renderStats() {
    const kept = samples.slice(-SAMPLES_MAX);
    const sorted = Float64Array.from(kept).sort();
    const set = (id, v) => { $(id).textContent = v; };
    set("st-count", String(totals.echoes));
    set("st-min", sorted.length ? fmtMs(sorted[0]) : "—");
    set("st-median", sorted.length ? fmtMs(quantile(sorted, 0.5)) : "—");
    set("st-p99", sorted.length ? fmtMs(quantile(sorted, 0.99)) : "—");
    set("st-sent", totals.sentMsgs + " · " + fmtBytes(totals.sentBytes));
    set("st-recv", totals.recvMsgs + " · " + fmtBytes(totals.recvBytes));
    set("st-bad", String(totals.bad));
    $("st-bad").classList.toggle("bad", totals.bad > 0);
  }

  function niceCeil(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function drawChart() {
    const c = ui.chart;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const g = c.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const css = getComputedStyle(c);
    const color = (name) => css.getPropertyValue(name).trim();
    // The labels, and the room kept for them, follow the reader's
    // default font size as the page's text does: 11 px at 16.
    const k = (parseFloat(getComputedStyle(document.documentElement).fontSize) || 16) / 16;
    g.font = 11 * k + "px " + css.fontFamily;
    g.textBaseline = "middle";

    const pts = samples.slice(-CHART_POINTS);
    const left = 52 * k, right = 8, top = 10 * k, bottom = 18 * k;
    const pw = w - left - right, ph = h - top - bottom;
    if (!pts.length) {
      g.fillStyle = color("--chart-text");
      g.textAlign = "center";
      g.fillText("No echoes yet: connect and send something.", w / 2, h / 2);
      return;
    }
    const sorted = Float64Array.from(pts).sort();
    // Round ticks: a 1-2-2.5-5 step, three to five of them.
    const peak = Math.max(sorted[sorted.length - 1], 0.01) * 1.05;
    const step = niceCeil(peak / 4);
    const ticks = Math.max(1, Math.ceil(peak / step));
    const yMax = step * ticks;
    const y = (v) => top + ph - (Math.min(v, yMax) / yMax) * ph;
    const x = (i) => left + (pts.length === 1 ? pw / 2 : (i * pw) / (pts.length - 1));

    // Grid and axis labels.
    g.strokeStyle = color("--chart-grid");
    g.fillStyle = color("--chart-text");
    g.lineWidth = 1;
    g.textAlign = "right";
    for (let k = 0; k <= ticks; k++) {
      const v = step * k;
      const yy = Math.round(y(v)) + 0.5;
      g.beginPath();
      g.moveTo(left, yy);
      g.lineTo(w - right, yy);
      g.stroke();
      g.fillText(Number(v.toPrecision(3)) + " ms", left - 6, yy);
    }
    g.textAlign = "left";
    g.fillText(pts.length === 1 ? "last echo" : "last " + pts.length + " echoes", left, h - 7 * k);

    // Area and line of the samples.
    g.beginPath();
    g.moveTo(x(0), y(0));
    pts.forEach((v, i) => g.lineTo(x(i), y(v)));
    g.lineTo(x(pts.length - 1), y(0));
    g.closePath();
    g.fillStyle = color("--chart-fill");
    g.fill();
    g.beginPath();
    pts.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
    g.strokeStyle = color("--chart-line");
    g.lineWidth = 1.5;
    g.lineJoin = "round";
    g.stroke();
    // A line needs two points: a single echo is drawn as a dot.
    if (pts.length === 1) {
      g.beginPath();
      g.arc(x(0), y(pts[0]), 3.5, 0, 2 * Math.PI);
      g.fillStyle = color("--chart-line");
      g.fill();
    }

    // Median of what is drawn, dashed.
    const med = quantile(sorted, 0.5);
    g.setLineDash([4, 4]);
    g.strokeStyle = color("--chart-median");
    g.beginPath();
    g.moveTo(left, y(med));
    g.lineTo(w - right, y(med));
    g.stroke();
    g.setLineDash([]);
    // Its label sits on a backdrop so the line under it cannot hide it.
    const label = "median " + fmtMs(med);
    const lw = g.measureText(label).width + 8;
    const ly = Math.max(top + 7 * k, y(med) - 9 * k);
    g.fillStyle = color("--card");
    g.fillRect(w - right - lw, ly - 7 * k, lw, 14 * k);
    g.fillStyle = color("--chart-median");
    g.textAlign = "right";
    g.fillText(label, w - right - 4, ly);
  }

  $("reset-stats").addEventListener("click", () => {
    samples = [];
    Object.assign(totals, { sentMsgs: 0, sentBytes: 0, recvMsgs: 0, recvBytes: 0, bad: 0, echoes: 0 });
    queueDraw();
  });
  new ResizeObserver(queueDraw).observe(ui.chart);
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", queueDraw);

  // ---- connection ----------------------------------------------------------

  function invalid(input, message) {
    input.setCustomValidity(message);
    input.reportValidity();
  }
  for (const input of [ui.url, ui.hex, ui.burstN, ui.burstSize]) {
    input.addEventListener("input", () => input.setCustomValidity(""));
  }

  // certificateHint explains a wss connection to another server that
  // failed before it opened. A browser shows no certificate warning for a
  // WebSocket: a certificate it has not accepted gives only close 1006.
  // When the page's own /info loaded, this page's server and network work,
  // so that certificate is the usual cause; opening the server's https
  // origin in a tab lets the user see and accept it.
  function certificateHint(url) {
    const page = new URL(url.href);
    page.protocol = "https:";
    page.pathname = "/";
    page.search = "";
    page.hash = "";
    const a = document.createElement("a");
    a.href = page.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = page.origin;
    ui.connHint.replaceChildren(
      "No connection to " + url.host + ". The usual cause is a certificate this browser has not accepted " +
      "(it shows no warning for a WebSocket): open ", a, ", accept the certificate there, then connect again. " +
      "Otherwise the server is down, or it refused this page's origin (tlsecho allows more with TLSECHO_ALLOWED_ORIGINS).");
    ui.connHint.hidden = false;
    problem("no connection to " + url.host + ": the usual cause is a certificate this browser has not accepted; open " +
      page.href + " and accept it");
  }

  $("connect").addEventListener("submit", (e) => {
    e.preventDefault();
    if (sock) return;
    let url;
    try {
      url = new URL(ui.url.value.trim());
    } catch {
      invalid(ui.url, "Enter a full URL such as wss://host:8443/ws.");
      return;
    }
    if (url.protocol !== "wss:" && url.protocol !== "ws:") {
      invalid(ui.url, "A WebSocket URL starts with wss:// (or ws://).");
      return;
    }
    // The Faults field (faults.js) asks the server to misbehave on this
    // connection only: tlsecho reads it from the URL.
    const fault = ui.fault.value.trim();
    if (fault) url.searchParams.set("fault", fault);
    const protocols = ui.proto.value.split(",").map((s) => s.trim()).filter(Boolean);
    let s;
    try {
      s = protocols.length ? new WebSocket(url.href, protocols) : new WebSocket(url.href);
    } catch (err) {
      problem("cannot connect to " + url.href + ": " + err.message);
      return;
    }
    s.binaryType = "arraybuffer";
    sock = s;
    ui.connHint.hidden = true;
    let opened = false;
    const t0 = performance.now();
    setState("connecting");
    logEvent("connecting to " + url.href + (protocols.length ? " offering " + protocols.join(", ") : "") +
      (fault ? " with faults " + fault : ""));
    s.addEventListener("open", () => {
      if (s !== sock) return;
      opened = true;
      setState("open");
      ui.negProto.textContent = s.protocol || "none";
      ui.negExt.textContent = s.extensions || "none";
      logEvent("open in " + fmtMs(performance.now() - t0) +
        (s.protocol ? ", subprotocol " + s.protocol : "") +
        (s.extensions ? ", extensions: " + s.extensions : ", no extensions"));
    });
    s.addEventListener("message", (ev) => { if (s === sock) onMessage(ev); });
    s.addEventListener("error", () => {
      // Browsers hide the reason on purpose; the close code that follows
      // (often 1006) is all a page can learn.
      // Closing a socket still connecting fires an error too: the user's
      // own doing, not a fault to report.
      if (s !== sock || s === leaving) return;
      problem("socket error (the browser gives no details; see the close code)");
      // A socket the browser refused to open at all (one the page's
      // Content-Security-Policy does not allow, say) may end with this
      // error and no close event.
      setTimeout(() => {
        if (s === sock && s.readyState === WebSocket.CLOSED) {
          ended({ code: 1006, reason: "", wasClean: false });
          problem("the browser refused the connection: this page may connect with ws:// only to its own origin, and only when loaded without TLS");
        }
      }, 1000);
    });
    s.addEventListener("close", (ev) => { if (s === sock) ended(ev); });
    // ended is the end of this socket, from its close event or without one.
    function ended(ev) {
      sock = null;
      const biggest = largestPending();
      const unechoed = dropPending();
      const text = closeText(ev.code, ev.reason);
      setState("closed", text);
      const never = unechoed ? "; " + unechoed + " message(s) never echoed" : "";
      if (s === leaving) {
        // The user's own end, also of a connect still under way: nothing
        // to explain.
        logEvent("closed " + text + (ev.wasClean ? "" : ", not clean") + never);
        if (ev.code === 1009) tooBig(url, biggest);
        return;
      }
      if (!opened) {
        logEvent("no connection: closed " + text + (ev.wasClean ? "" : ", not clean") + never);
      } else if (ev.code === 1006) {
        // The browser reports a connection it failed itself (a close
        // frame with a code no endpoint sends, text that is not UTF-8,
        // any other breach of RFC 6455 by the server) as 1006 too, and
        // names the breach only in its console.
        problem("the connection ended without a valid close frame (" + text + "): the server stopped, " +
          "or it broke the WebSocket protocol (the browser's console says how), " +
          "or the network or a proxy between cut it" + never);
      } else {
        logEvent("the server closed the connection: " + text + (ev.wasClean ? "" : ", not clean") + never);
      }
      if (!opened && ev.code === 1006 && url.protocol === "wss:" && url.host !== location.host &&
        $("info").dataset.loaded === "true") {
        certificateHint(url);
      }
      if (!opened && url.host === location.host) explainRefusal(url);
      if (ev.code === 1009) tooBig(url, biggest);
    }
  });

  // tooBig explains a close 1009: the server refused a message larger
  // than it takes. The close says no more than that, so the page names
  // the limit when it knows it (its own server's, from /info) and the
  // largest message that was still waiting for its echo, which is the
  // one the server refused unless another server's limit counts
  // something else.
  function tooBig(url, biggest) {
    let s = "the server closed the connection because a message was larger than it takes";
    if (url.host === location.host && messageLimit > 0) {
      s += ": this server's limit (TLSECHO_MAX_MESSAGE_BYTES) is " + fmtSize(messageLimit);
    }
    if (biggest > 0) s += "; the largest message sent and not echoed was " + fmtSize(biggest);
    problem(s);
  }

  // explainRefusal says why this page's own server did not take a
  // WebSocket connection. A browser shows every failed upgrade only as
  // close 1006, but the same URL asked without the upgrade tells more: no
  // answer at all (the server is down, or closed the connection at once at
  // its connection limit), the server's one line for a refusal (a bad
  // fault spec's 400, status:CODE's own status, the 503 of a server
  // shutting down), or the 400 that a request without an upgrade gets,
  // which says the server would have taken the upgrade: then the WebSocket
  // connection itself was cut, at the connection limit or by a proxy on the
  // way. One request per failed connect: the page never retries by itself.
  async function explainRefusal(url) {
    const u = new URL(url.href);
    u.protocol = location.protocol;
    let r, text;
    try {
      r = await fetch(u, { cache: "no-store" });
      text = (await r.text()).trim().split("\n")[0].slice(0, 300);
    } catch {
      problem("no answer from " + url.host + ": the server is down, or it closed the connection at once " +
        "because it is at its connection limit (TLSECHO_MAX_CONNS)");
      return;
    }
    if (r.status === 400 && text.includes("not using the websocket protocol")) {
      problem("the server at " + url.host + " answers, but it closed the WebSocket connection before the upgrade: " +
        "it is at its connection limit (TLSECHO_MAX_CONNS), or a proxy on the way does not pass WebSocket upgrades");
      return;
    }
    if (!r.ok) problem("upgrade refused with HTTP " + r.status + (text ? ": " + text : ""));
  }

  ui.disconnectBtn.addEventListener("click", () => {
    if (!sock) return;
    if (sock.readyState === WebSocket.CONNECTING || sock.readyState === WebSocket.OPEN) {
      setState("closing");
      leaving = sock;
      logEvent("closing with 1000");
      sock.close(1000, "bye");
      return;
    }
    // Clicked again while the server does not answer the close (or on a
    // socket that ended without a close event): let the socket go, so the
    // page can connect again; the browser ends it in its own time.
    const s = sock;
    sock = null;
    const unechoed = dropPending();
    setState("closed", "(given up)");
    logEvent("gave up waiting for the close to complete" + (s.readyState === WebSocket.CLOSED ? "" : "; the browser ends the socket itself") +
      (unechoed ? "; " + unechoed + " message(s) never echoed" : ""));
  });

  // largestPending is the size of the largest message still waiting for
  // its echo, 0 when none is.
  function largestPending() {
    let n = 0;
    for (let i = head; i < pending.length; i++) n = Math.max(n, pending[i].size);
    return n;
  }

  // dropPending forgets the messages still waiting for their echo, once
  // their socket is gone, aborting a burst, and returns how many there were.
  function dropPending() {
    const unechoed = pending.length - head;
    pending = [];
    head = 0;
    if (burst) finishBurst(true);
    return unechoed;
  }

  // ---- sending and checking echoes ------------------------------------------

  // send transmits payload (a string or a Uint8Array) and queues what the
  // echo must equal.
  function send(payload, note, forBurst) {
    const isText = typeof payload === "string";
    // WebSocket.send sends a string as Unicode scalar values, half of a
    // surrogate pair as U+FFFD (as TextEncoder counts it): the echo is
    // checked against that, not against the string as it was.
    if (isText && payload.toWellFormed) payload = payload.toWellFormed();
    const size = isText ? encoder.encode(payload).length : payload.length;
    sock.send(payload);
    pending.push({ payload, size, t0: performance.now(), burst: forBurst || null });
    totals.sentMsgs++;
    totals.sentBytes += size;
    if (!forBurst) {
      const pv = isText ? textPreview(payload) : hexPreview(payload);
      addLine("sent", { type: isText ? "text" : "binary", size, text: (note ? note + " " : "") + pv.text, cut: pv.cut });
    }
    queueDraw();
  }

  function sameBytes(a, b) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }

  // difference says how an echo differs from what was sent, or "" when it
  // does not.
  function difference(sent, got) {
    const sentText = typeof sent === "string";
    const gotText = typeof got === "string";
    if (sentText !== gotText) return "echo differs: sent " + (sentText ? "text" : "binary") + ", got " + (gotText ? "text" : "binary");
    if (gotText) return sent === got ? "" : "echo differs from the text sent";
    const b = new Uint8Array(got);
    if (sameBytes(sent, b)) return "";
    if (sent.length !== b.length) return "echo differs: " + b.length + " bytes, sent " + sent.length;
    let i = 0;
    while (sent[i] === b[i]) i++;
    return "echo differs at byte " + i;
  }

  function onMessage(ev) {
    const now = performance.now();
    const isText = typeof ev.data === "string";
    const size = isText ? utf8Length(ev.data) : ev.data.byteLength;
    totals.recvMsgs++;
    totals.recvBytes += size;
    const type = isText ? "text" : "binary";
    // Built only when a line is logged: a burst echo that matches has none.
    const preview = () => isText ? textPreview(ev.data) : hexPreview(new Uint8Array(ev.data));
    if (head >= pending.length) {
      totals.bad++;
      const pv = preview();
      addLine("recv", { type, size, text: pv.text, cut: pv.cut, bad: "unexpected: nothing was waiting for an echo" });
      queueDraw();
      return;
    }
    const p = pending[head];
    pending[head++] = undefined;
    if (head > 4096 && head * 2 > pending.length) {
      pending = pending.slice(head);
      head = 0;
    }
    const rtt = now - p.t0;
    const bad = difference(p.payload, ev.data);
    // A wrong echo is no round trip: after a message lost or answered
    // twice it is another message's echo, or none. Only echoes that
    // match are counted and charted.
    if (bad) {
      totals.bad++;
      queueDraw();
    } else {
      addSample(rtt);
    }
    if (p.burst) {
      burstEcho(p.burst, p.size, bad);
      if (bad) {
        const pv = preview();
        addLine("recv", { type, size, text: "burst message: " + pv.text, cut: pv.cut, bad });
      }
      return;
    }
    const pv = preview();
    // Nor does a wrong echo's line give a time, which would be the time
    // since another message went out.
    addLine("recv", { type, size, rtt: bad ? undefined : rtt, text: pv.text, cut: pv.cut, bad });
  }

  $("send-text").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!isOpen()) return;
    send(ui.text.value);
    ui.text.select();
  });

  // parseHex reads hex digits in pairs, in groups set apart by spaces,
  // colons, commas or dashes, each with or without 0x. Each group must
  // hold whole bytes: joining the digits across the separators read
  // "1 2 3 4" as the two bytes 12 34, where four were meant.
  function parseHex(s) {
    let clean = "";
    for (const group of s.split(/[\s:,-]+/)) {
      if (group === "") continue;
      const digits = group.replace(/^0x/i, "");
      if (digits === "" || digits.length % 2 !== 0 || /[^0-9a-f]/i.test(digits)) return null;
      clean += digits;
    }
    const out = new Uint8Array(clean.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
    return out;
  }

  $("send-hex").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!isOpen()) return;
    const bytes = parseHex(ui.hex.value);
    if (!bytes) {
      invalid(ui.hex, "Hex digits in pairs, e.g. de ad be ef or 0xdeadbeef (spaces, colons and 0x are fine; write 1 as 01).");
      return;
    }
    send(bytes);
  });

  $("send-file").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = ui.file.files[0];
    if (!f) {
      invalid(ui.file, "Choose a file first.");
      return;
    }
    ui.file.setCustomValidity("");
    let buf;
    try {
      buf = await f.arrayBuffer();
    } catch (err) {
      problem("cannot read " + f.name + ": " + err.message);
      return;
    }
    if (isOpen()) send(new Uint8Array(buf), "[" + f.name + "]");
  });
  ui.file.addEventListener("change", () => ui.file.setCustomValidity(""));

  // ---- burst -----------------------------------------------------------------

  // burstPayload makes message i: its index, then a pattern that differs
  // from message to message, so a reordered or mixed-up echo is caught.
  function burstPayload(i, size) {
    const a = new Uint8Array(size);
    for (let j = 0; j < size; j++) a[j] = (i * 131 + j * 7 + 13) & 255;
    if (size >= 4) new DataView(a.buffer).setUint32(0, i);
    return a;
  }

  function pumpBurst() {
    const b = burst;
    while (b && isOpen() && b.sent < b.n &&
      b.sent - b.done < BURST_INFLIGHT_MSGS &&
      (b.inflight < BURST_INFLIGHT_BYTES || b.sent === b.done)) {
      send(burstPayload(b.sent, b.size), "", b);
      b.sent++;
      b.inflight += b.size;
    }
  }

  function burstEcho(b, size, bad) {
    if (b !== burst) return;
    b.done++;
    b.inflight -= size;
    if (bad) b.bad++;
    if (b.done >= b.n || (b.stopped && b.done >= b.sent)) {
      finishBurst(false);
      return;
    }
    ui.burstProgress.value = b.done / b.n;
    pumpBurst();
  }

  function finishBurst(aborted) {
    const b = burst;
    burst = null;
    const secs = (performance.now() - b.t0) / 1000;
    const bytes = b.done * b.size;
    const rate = secs > 0 ? Math.round(b.done / secs) + " msg/s, " + fmtBytes(Math.round(bytes / secs)) + "/s" : "";
    const summary = (aborted ? "burst aborted: " : b.stopped ? "burst stopped: " : "burst done: ") +
      b.done + "/" + b.n + " echoed, " + b.bad + " mismatches, " + fmtMs(secs * 1000) + (rate ? ", " + rate : "") +
      (!aborted && b.sent > b.done ? "; " + (b.sent - b.done) + " sent and not echoed yet" : "");
    ui.burstProgress.value = b.done / b.n;
    ui.burstResult.textContent = summary;
    ui.burstResult.dataset.done = String(b.done);
    ui.burstResult.dataset.mismatches = String(b.bad);
    ui.burstResult.dataset.state = aborted ? "aborted" : "done";
    ui.burstResult.classList.toggle("bad", b.bad > 0 || aborted);
    ui.burstBtn.textContent = "Run burst";
    ui.burstBtn.disabled = !isOpen();
    addLine(b.bad || aborted ? "error" : "event", { text: summary });
  }

  $("burst").addEventListener("submit", (e) => {
    e.preventDefault();
    if (burst) {
      // The button reads "Stop" while a burst runs. The burst ends here,
      // not when the echoes still due arrive: a server that stopped
      // answering would never let it. Echoes that come later are still
      // checked, as single messages.
      burst.stopped = true;
      burst.n = burst.sent;
      finishBurst(false);
      return;
    }
    if (!isOpen()) return;
    const n = ui.burstN.valueAsNumber;
    const size = ui.burstSize.valueAsNumber;
    if (!Number.isInteger(n) || n < 1 || n > 100000) {
      invalid(ui.burstN, "From 1 to 100000 messages.");
      return;
    }
    if (!Number.isInteger(size) || size < 0 || size > 16777216) {
      invalid(ui.burstSize, "From 0 to 16777216 bytes.");
      return;
    }
    burst = { n, size, sent: 0, done: 0, bad: 0, inflight: 0, stopped: false, t0: performance.now() };
    ui.burstResult.dataset.state = "running";
    ui.burstResult.textContent = "running…";
    ui.burstResult.classList.remove("bad");
    ui.burstProgress.value = 0;
    ui.burstBtn.textContent = "Stop";
    logEvent("burst: " + n + " × " + fmtBytes(size) + " binary");
    pumpBurst();
  });

  // ---- server info -----------------------------------------------------------

  function renderInfo(info) {
    const set = (id, v) => { $(id).textContent = v; };
    const c = info.certificate;
    if (c) {
      set("info-subject", c.subject || "(empty)");
      set("info-sans", c.sans && c.sans.length ? c.sans.join(", ") : "(none)");
      set("info-issuer", c.self_signed ? c.issuer + " (self-signed)" : c.issuer);
      const exp = new Date(c.not_after);
      const days = Math.floor((exp.getTime() - Date.now()) / 86400000);
      set("info-expiry", exp.toISOString().slice(0, 16).replace("T", " ") + " UTC " +
        (days >= 0 ? "(in " + days + " days)" : "(expired)"));
      $("info-expiry").classList.toggle("bad", days < 0);
      set("info-key", (c.key || "—") + (c.signature ? ", signed " + c.signature : ""));
      // The fingerprint as openssl x509 -fingerprint and tlsecho client
      // print it, so the three can be compared at a glance.
      set("info-sha256", c.sha256 ? c.sha256.toUpperCase().match(/../g).join(":") : "—");
    }
    if (info.tls) {
      set("info-tls", info.tls.version + (info.tls.alpn ? ", ALPN " + info.tls.alpn : "") + (info.tls.resumed ? ", resumed" : ""));
      set("info-cipher", info.tls.cipher);
      // Empty for a resumption without a key exchange.
      set("info-kx", info.tls.key_exchange || (info.tls.resumed ? "none (resumed)" : "—"));
    } else {
      const up = info.client && info.client.tls_terminated_upstream;
      set("info-tls", up ? "terminated upstream: a proxy in front ended TLS and forwarded plain HTTP"
        : "none: this page came over plain HTTP");
      set("info-cipher", "—");
      set("info-kx", "—");
    }
    const cl = info.client || {};
    set("info-peer", (cl.address || "—") +
      (cl.balancer ? " (PROXY header from load balancer " + cl.balancer + ")" : "") +
      (cl.proxy ? " (forwarded by proxy " + cl.proxy + ")" : ""));
    const ws = info.websocket || {};
    messageLimit = ws.max_message_bytes || 0;
    set("info-compression", (ws.compression ? "permessage-deflate offered" : "off") +
      (ws.max_message_bytes ? "; messages up to " + fmtBytes(ws.max_message_bytes) : ""));
    const cc = info.client_certificate;
    // Over TLS with mTLS on, a client without a verified certificate gets
    // no page at all: without a certificate here the page came over plain
    // HTTP, where none is asked for.
    set("info-client", cc ? cc.subject + " (verified)" : info.client_auth
      ? "required on the TLS ports; none asked for on this plain HTTP one" : "not requested");
    const raw = info.raw_tls;
    if (raw) {
      // Without openssl (the port requires a PROXY header, which
      // s_client cannot send) its row goes.
      set("cmd-openssl", raw.openssl || "");
      $("cmd-openssl").parentElement.hidden = !raw.openssl;
      set("cmd-client", raw.tlsecho);
      const hints = [];
      if (raw.proxy_header_required && cl.balancer) {
        hints.push("The raw port requires a PROXY protocol header. This page came through a load balancer that sends one: the commands reach the raw port through it when it fronts that port too. Straight to this server, add -proxy-v2 to the tlsecho command; openssl s_client cannot send the header.");
      } else if (raw.proxy_header_required) {
        hints.push("The raw port requires a PROXY protocol header, as a load balancer sends: the tlsecho command sends one (-proxy-v2); openssl s_client cannot.");
      }
      if (c && c.self_signed) hints.push("The certificate is self-signed: add -insecure to the tlsecho command, or verify with its CA.");
      if (info.client_auth) hints.push("mTLS is on: add -cert and -key with a client certificate.");
      set("cmd-hint", hints.join(" "));
    }
    set("info-status", "");
    $("info").dataset.loaded = "true";
  }

  async function loadInfo() {
    let info = null;
    let error = "";
    try {
      const r = await fetch("info", { cache: "no-store", headers: { Accept: "application/json" } });
      if (!r.ok) throw new Error("HTTP " + r.status);
      info = await r.json();
      renderInfo(info);
    } catch (err) {
      error = err.message;
      $("info-status").textContent = "unavailable (" + error + ")";
    }
    // Other panels (hello.js) render from the same document.
    document.dispatchEvent(new CustomEvent("tlsecho:info", { detail: { info, error } }));
  }

  // A copy button's name stays "Copy the ..." while its text says
  // "Copied": a screen reader hears the outcome from a status instead,
  // emptied again with the button so that the next copy is heard too.
  for (const b of document.querySelectorAll("button.copy")) {
    const what = b.getAttribute("aria-label").replace(/^Copy /, "");
    const status = $("copy-status");
    b.addEventListener("click", async () => {
      const src = $(b.dataset.copy);
      try {
        await navigator.clipboard.writeText(src.textContent);
        b.textContent = "Copied";
        status.textContent = "Copied " + what;
      } catch {
        // No clipboard permission: select the text for a manual copy.
        const range = document.createRange();
        range.selectNodeContents(src);
        const sel = getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        b.textContent = "Selected";
        status.textContent = "Selected " + what + " to copy by hand: the browser refused the clipboard";
      }
      setTimeout(() => {
        b.textContent = "Copy";
        status.textContent = "";
      }, 1500);
    });
  }

  setState("closed");
  queueDraw();
  loadInfo();
})();
