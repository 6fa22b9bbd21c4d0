package main

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// fetchStatus has the tab's page fetch path with method and a form body
// (none when form is empty), and returns the answer's status as the page
// sees it, or the error the fetch failed with.
func (b *browserTab) fetchStatus(method, path, form string) string {
	b.t.Helper()
	init := `{method: ` + jsString(method) + `}`
	if form != "" {
		init = `{method: ` + jsString(method) + `, body: new URLSearchParams(` + jsString(form) + `)}`
	}
	b.eval("fetch "+path, `window.fetched = "", fetch(`+jsString(path)+`, `+init+`).then(
		r => { window.fetched = String(r.status) }, e => { window.fetched = "error: " + e }), "sent"`)
	return b.waitFor(method+" "+path+" from the page", `window.fetched`)
}

// TestBrowserAdminByAddress opens the admin port in headless Chromium by
// its address and by localhost: its pages load, and a page of its own
// origin reads /hellos and arms a fault.
func TestBrowserAdminByAddress(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := newBrowser(t)
	for _, base := range []string{"http://" + ta.AdminAddr, "http://localhost:" + adminPort(t, ta.AdminAddr)} {
		tab.load(base + "/hellos")
		if got := tab.fetchStatus(http.MethodGet, "/metrics", ""); got != "200" {
			t.Errorf("GET /metrics from a page of %s = %s, want 200", base, got)
		}
		if got := tab.fetchStatus(http.MethodPost, "/faults", "spec=rst&listener=tls"); got != "201" {
			t.Errorf("POST /faults from a page of %s = %s, want 201", base, got)
		}
	}
	if armed := armedFaults(t, ta.AdminAddr); len(armed) != 2 {
		t.Errorf("GET /faults = %v, want the two faults the pages armed", armed)
	}
}

// rebindRules are the shared browser's resolver rules: evil.example is
// 127.0.0.1 for TestBrowserAdminRebindingRefused, and no other test asks
// for that name.
const rebindRules = "MAP evil.example 127.0.0.1"

// TestBrowserAdminRebindingRefused is DNS rebinding in a real browser:
// Chromium resolves evil.example to 127.0.0.1, as an attacker's DNS would
// once the page has loaded, and the page, now of the admin port's
// address but of its own origin, tries to read it and arm a fault.
func TestBrowserAdminRebindingRefused(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tab := newBrowser(t) // the shared browser resolves evil.example so: rebindRules
	base := "http://evil.example:" + adminPort(t, ta.AdminAddr)
	resp, err := chromedp.Run(tab.ctx, chromedp.NavigateResponse(base+"/hellos"))
	if err != nil {
		t.Fatalf("load %s: %v", base, err)
	}
	if resp.Status != http.StatusForbidden {
		t.Errorf("the browser's GET %s/hellos = %d, want 403", base, resp.Status)
	}
	for _, tt := range []struct{ method, path, form string }{
		{http.MethodGet, "/hellos", ""},
		{http.MethodGet, "/faults", ""},
		{http.MethodPost, "/faults", "spec=rst&listener=tls&count=5"},
	} {
		if got := tab.fetchStatus(tt.method, tt.path, tt.form); got != "403" {
			t.Errorf("%s %s from the rebound page = %s, want 403", tt.method, tt.path, got)
		}
	}
	if armed := armedFaults(t, ta.AdminAddr); len(armed) != 0 {
		t.Errorf("GET /faults = %v after the rebound page posted to it, want nothing armed", armed)
	}
}
