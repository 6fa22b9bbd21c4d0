// The "Your TLS client" panel: the ClientHello this browser sent, from
// /info's client_hello, which app.js fetches and passes on in a
// "tlsecho:info" event. DOM is built from text nodes only (the page's
// CSP allows no HTML sinks). The copy button is wired by app.js, like the
// other copy buttons.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const lists = ["versions", "cipher_suites", "extensions", "supported_groups", "key_share_groups", "signature_algorithms"];

  // fill renders entries {id, hex, name} as chips: the name, then the hex
  // value; GREASE values get their own look and a title that says why.
  // omitted is how many more the list held than /info gives (it cuts a
  // list at 512): said after the chips, or the list would read as whole.
  function fill(ul, entries, omitted) {
    ul.replaceChildren();
    const note = (text, cls) => {
      const li = document.createElement("li");
      li.className = cls;
      li.textContent = text;
      ul.append(li);
    };
    if ((!entries || entries.length === 0) && !omitted) {
      note("(none)", "none");
      return;
    }
    for (const e of entries || []) {
      const li = document.createElement("li");
      li.dataset.hex = e.hex;
      if (e.name === "GREASE") {
        li.className = "grease";
        li.title = "GREASE: a random value that keeps servers tolerant of new ones; ignored by JA4 and JA3";
      } else if (e.name === "unknown") {
        li.className = "unknown";
      }
      const code = document.createElement("code");
      code.textContent = e.hex;
      li.append(e.name + " ", code);
      ul.append(li);
    }
    if (omitted > 0) note("and " + omitted + " more, not listed", "none omitted");
  }

  // render shows the hello h; client is /info's client, which says why
  // there is none.
  function render(h, client) {
    const set = (id, v) => { $(id).textContent = v; };
    if (!h) {
      set("hello-status", client && client.tls_terminated_upstream
        ? "not known: a proxy in front ended TLS, so this server saw no ClientHello"
        : "not known: this page came over plain HTTP, without TLS");
      return;
    }
    set("hello-ja4", h.ja4);
    set("hello-ja4r", h.ja4_r);
    set("hello-ja3", h.ja3_hash + "  (" + h.ja3 + ")");
    set("hello-sni", h.sni || "(none)");
    const omitted = h.omitted || {};
    set("hello-alpn", (h.alpn && h.alpn.length ? h.alpn.join(", ") : "(none)") +
      (omitted.alpn > 0 ? ", and " + omitted.alpn + " more, not listed" : ""));
    for (const name of lists) fill($("hello-" + name), h[name], omitted[name] || 0);
    set("hello-status", "");
    $("hello").dataset.loaded = "true";
  }

  // app.js loads /info once and hands the document to every panel.
  document.addEventListener("tlsecho:info", (ev) => {
    if (ev.detail.error) {
      $("hello-status").textContent = "unavailable (" + ev.detail.error + ")";
      return;
    }
    render(ev.detail.info.client_hello, ev.detail.info.client);
  });
})();
