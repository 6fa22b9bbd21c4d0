package main

import (
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserClientHello opens the page in headless Chromium by name, so
// the browser sends SNI, and checks the "Your TLS client" panel: a TLS 1.3
// JA4 with SNI and the ALPN the browser offered, the lists with names,
// GREASE marked, the same JA4 the server recorded, and no console errors.
// Then, in the same tab, how the panel shows a hello whose lists /info
// cut (checkHelloOmitted).
func TestBrowserClientHello(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := newBrowser(t)
	_, port, _ := net.SplitHostPort(ta.HTTPSAddr)
	// localhost is in the test certificate; the listener is on 127.0.0.1.
	hostPort := "localhost:" + port

	tab.load("https://" + hostPort + "/")
	tab.waitFor("the panel", `document.getElementById("hello").dataset.loaded === "true" ? "yes" : ""`)
	// The panel as the user sees it, read in one go.
	type panel struct {
		JA4, ALPN, SNI                 string
		GREASESuites, AES128, KeyShare int
	}
	p, err := chromedp.Run(tab.ctx, chromedp.Evaluate[panel](`(() => {
		const text = (id) => document.getElementById(id).textContent;
		const items = (sel) => [...document.querySelectorAll(sel)];
		return {
			JA4: text("hello-ja4"),
			ALPN: text("hello-alpn"),
			SNI: text("hello-sni"),
			GREASESuites: items("#hello-cipher_suites li.grease").length,
			AES128: items("#hello-cipher_suites li").filter((li) => li.textContent.startsWith("TLS_AES_128_GCM_SHA256 ")).length,
			KeyShare: items("#hello-key_share_groups li:not(.grease)").length,
		};
	})()`))
	if err != nil {
		t.Fatalf("read the panel: %v", err)
	}
	ja4 := p.JA4
	alpn := strings.Split(p.ALPN, ", ")
	if !strings.HasPrefix(ja4, "t13d") || len(ja4) != 36 {
		t.Errorf("JA4 %q, want a TLS 1.3 fingerprint with SNI (t13d...)", ja4)
	}
	if len(ja4) < 10 || alpn[0] == "" || ja4[8:10] != alpn[0][:1]+alpn[0][len(alpn[0])-1:] {
		t.Errorf("JA4 %q does not carry the first ALPN the browser offered (%q)", ja4, alpn)
	}
	if !slices.Contains(alpn, "http/1.1") {
		t.Errorf("ALPN %q, want http/1.1 among them", alpn)
	}
	if p.SNI != "localhost" {
		t.Errorf("SNI %q, want localhost", p.SNI)
	}
	// Chromium sprinkles GREASE into its suites; the panel marks each.
	if p.GREASESuites != 1 || p.AES128 != 1 || p.KeyShare < 1 {
		t.Errorf("panel lists: %d GREASE suites (want Chromium's one), TLS_AES_128_GCM_SHA256 %d times (want once), %d key shares",
			p.GREASESuites, p.AES128, p.KeyShare)
	}

	// The server recorded the same fingerprint for the browser's
	// connection.
	hellos := waitHellos(t, ta, "?listener=https", 1)
	if !slices.ContainsFunc(hellos, func(e helloEntry) bool { return e.JA4 == ja4 && e.Outcome == "ok" }) {
		t.Errorf("/hellos has no ok handshake with JA4 %s: %+v", ja4, hellos)
	}

	// The panel is read: it may now be handed another hello. A tab of
	// its own for this cost 0.6 s of CPU, most of it the browser's.
	t.Run("omitted", func(t *testing.T) { checkHelloOmitted(t, tab.with(t)) })
	tab.checkProblems(nil)
}

// checkHelloOmitted: /info cuts a list of a hello at 512 entries and
// says how many more there were in omitted; the panel says so after the
// list, which would otherwise read as the whole of it. No browser sends
// such a hello, so the test hands the panel of tab, a page with its panel
// loaded, an /info document as app.js does, with a cut cipher suite list
// and ALPN list.
func checkHelloOmitted(t *testing.T, tab *browserTab) {
	got := tab.eval("the panel after a cut hello", `(() => {
		const e = (id, name) => ({id, hex: id.toString(16).padStart(4, "0"), name});
		const hello = {ja4: "t13d", ja4_r: "", ja3: "", ja3_hash: "", sni: "", alpn: ["h2"],
			versions: [e(0x0304, "TLS 1.3")], cipher_suites: [e(0x1301, "TLS_AES_128_GCM_SHA256")],
			extensions: [], supported_groups: [], key_share_groups: [], signature_algorithms: [],
			omitted: {cipher_suites: 31488, alpn: 7}};
		document.dispatchEvent(new CustomEvent("tlsecho:info", {detail: {info: {client_hello: hello, client: {}}}}));
		const items = [...document.querySelectorAll("#hello-cipher_suites li")].map((li) => li.textContent);
		return items.join(" | ") + " || " + document.getElementById("hello-alpn").textContent +
			" || " + document.getElementById("hello-extensions").textContent;
	})()`)
	if want := "TLS_AES_128_GCM_SHA256 1301 | and 31488 more, not listed || h2, and 7 more, not listed || (none)"; got != want {
		t.Errorf("panel reads %q, want %q", got, want)
	}
}
