"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const url = $("url"), state = $("state"), log = $("log");
  url.value = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
  let sock = null;
  const pending = [];

  function line(kind, text) {
    const li = document.createElement("li");
    li.className = kind;
    li.textContent = new Date().toISOString().slice(11, 23) + " " + text;
    log.appendChild(li);
    while (log.children.length > 1000) log.removeChild(log.firstChild);
    log.scrollTop = log.scrollHeight;
  }
  function setState(s, open) {
    state.textContent = s;
    $("connect-btn").disabled = open;
    $("disconnect-btn").disabled = !open;
    $("send-btn").disabled = !open;
  }

  $("connect").addEventListener("submit", (e) => {
    e.preventDefault();
    setState("connecting", true);
    sock = new WebSocket(url.value);
    sock.onopen = () => { setState("open", true); line("event", "open"); };
    sock.onmessage = (ev) => {
      const sent = pending.shift();
      const rtt = sent ? (performance.now() - sent).toFixed(1) + " ms" : "";
      line("recv", "← " + ev.data + " (" + rtt + ")");
    };
    sock.onclose = (ev) => {
      setState("closed " + ev.code + (ev.reason ? " " + ev.reason : ""), false);
      line("event", "closed " + ev.code);
      pending.length = 0;
    };
    sock.onerror = () => line("event", "error");
  });
  $("disconnect-btn").addEventListener("click", () => { if (sock) { setState("closing", true); sock.close(1000); } });
  $("send").addEventListener("submit", (e) => {
    e.preventDefault();
    if (!sock || sock.readyState !== WebSocket.OPEN) return;
    const text = $("msg").value;
    pending.push(performance.now());
    sock.send(text);
    line("sent", "→ " + text);
  });
})();
