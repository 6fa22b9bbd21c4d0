package main

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserClientHello opens the page in headless Chromium by name, so
// the browser sends SNI, and checks the "Your TLS client" panel: a TLS 1.3
// JA4 with SNI and the ALPN the browser offered, the lists with names,
// GREASE marked, the same JA4 the server recorded, and no console errors.
func TestBrowserClientHello(t *testing.T) {
	ta := startApp(t, nil)
	watch := &pageWatch{}
	ctx := newBrowser(t, watch)
	_, port, _ := net.SplitHostPort(ta.HTTPSAddr)
	// localhost is in the test certificate; the listener is on 127.0.0.1.
	hostPort := "localhost:" + port

	if _, err := chromedp.Run(ctx, chromedp.NavigateResponse("https://"+hostPort+"/")); err != nil {
		t.Fatalf("load the page: %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("hello").dataset.loaded === "true" ? "yes" : ""`,
		chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		problems, _ := watch.snapshot()
		t.Fatalf("the panel did not fill: %v (page problems: %q)", err, problems)
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	ja4 := text("#hello-ja4")
	alpn := strings.Split(text("#hello-alpn"), ", ")
	if !strings.HasPrefix(ja4, "t13d") || len(ja4) != 36 {
		t.Errorf("JA4 %q, want a TLS 1.3 fingerprint with SNI (t13d...)", ja4)
	}
	if len(alpn) == 0 || len(ja4) < 10 || ja4[8:10] != alpn[0][:1]+alpn[0][len(alpn[0])-1:] {
		t.Errorf("JA4 %q does not carry the first ALPN the browser offered (%q)", ja4, alpn)
	}
	if !slices.Contains(alpn, "http/1.1") {
		t.Errorf("ALPN %q, want http/1.1 among them", alpn)
	}
	if got := text("#hello-sni"); got != "localhost" {
		t.Errorf("SNI %q, want localhost", got)
	}
	// Chromium sprinkles GREASE into its suites; the panel marks each.
	eval := func(expr string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return n
	}
	if n := eval(`document.querySelectorAll("#hello-cipher_suites li.grease").length`); n != 1 {
		t.Errorf("%d GREASE suites marked, want Chromium's one", n)
	}
	if n := eval(`[...document.querySelectorAll("#hello-cipher_suites li")].filter(li => li.textContent.startsWith("TLS_AES_128_GCM_SHA256")).length`); n != 1 {
		t.Errorf("TLS_AES_128_GCM_SHA256 not listed by name")
	}
	if n := eval(`document.querySelectorAll("#hello-key_share_groups li:not(.grease)").length`); n < 1 {
		t.Errorf("no key share listed")
	}

	// The server recorded the same fingerprint for the browser's
	// connection.
	hellos := waitHellos(t, ta, "?listener=https", 1)
	if !slices.ContainsFunc(hellos, func(e helloEntry) bool { return e.JA4 == ja4 && e.Outcome == "ok" }) {
		t.Errorf("/hellos has no ok handshake with JA4 %s: %+v", ja4, hellos)
	}

	problems, _ := watch.snapshot()
	for _, p := range problems {
		t.Errorf("page problem: %s", p)
	}
}
