// The Faults field of the connection form: presets and the verbs with
// their bounds, built from /info's "faults" (app.js fetches /info and
// passes it on in a "tlsecho:info" event). app.js adds the field's spec to
// the URL as ?fault= when connecting. DOM is built from text nodes only
// (the page's CSP allows no HTML sinks).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const input = $("fault");

  function renderPresets(presets) {
    const box = $("fault-presets");
    box.replaceChildren();
    for (const p of presets || []) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "small";
      b.textContent = p.name;
      b.title = p.spec;
      b.dataset.spec = p.spec;
      b.setAttribute("aria-pressed", "false");
      b.addEventListener("click", () => {
        if (input.disabled || input.readOnly) return;
        // A second click on the chosen preset clears the field.
        input.value = input.value.trim() === p.spec ? "" : p.spec;
        syncPressed();
        input.dispatchEvent(new Event("input"));
      });
      box.append(b);
    }
  }

  function syncPressed() {
    for (const b of $("fault-presets").querySelectorAll("button")) {
      b.setAttribute("aria-pressed", String(input.value.trim() === b.dataset.spec));
    }
  }
  input.addEventListener("input", syncPressed);

  function renderVerbs(f) {
    $("fault-when").textContent = "At most " + f.max_verbs + " verbs, comma-separated, each verb[:arg][@when]. " + f.when + ".";
    const dl = $("fault-list");
    dl.replaceChildren();
    for (const v of f.verbs || []) {
      const dt = document.createElement("dt");
      dt.textContent = v.syntax + (v.when ? "[@when]" : "");
      const dd = document.createElement("dd");
      let text = v.effect + " (" + v.on.map((o) => o === "tls" ? "raw TLS" : "/ws").join(", ") + ")";
      if (v.bounds) text += "; " + v.bounds;
      if (!v.url) text += "; not from a URL";
      dd.textContent = text;
      dl.append(dt, dd);
    }
    $("fault-verbs").hidden = false;
  }

  document.addEventListener("tlsecho:info", (ev) => {
    const info = ev.detail.info;
    const f = info && info.faults;
    if (!f || !f.verbs) return;
    if (!f.enabled) {
      input.disabled = true;
      input.placeholder = "turned off on this server";
      $("fault-hint").textContent = "Faults are turned off on this server (TLSECHO_FAULTS=false).";
      return;
    }
    renderPresets(f.presets);
    renderVerbs(f);
    if (f.default) {
      $("fault-hint").textContent = "Every connection already gets " + f.default +
        " (TLSECHO_FAULT) unless this field asks for other faults.";
    }
  });
})();
