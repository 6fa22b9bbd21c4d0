package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/tlsecho/tlsecho/web"
)

// pageHeaderTest is a request to a page listener and its answer's status.
type pageHeaderTest struct {
	name    string
	method  string
	path    string
	header  map[string]string // beside the upgrade's own, when upgrade
	upgrade bool              // ask for a WebSocket upgrade
	status  int
}

// pageHeaderTests are requests for every route of the page listeners,
// and the answers of /ws that refuse an upgrade.
var pageHeaderTests = []pageHeaderTest{
	{"page", "GET", "/", nil, false, http.StatusOK},
	{"page by its file name", "GET", "/index.html", nil, false, http.StatusMovedPermanently},
	{"info", "GET", "/info", nil, false, http.StatusOK},
	{"info HEAD", "HEAD", "/info", nil, false, http.StatusOK},
	{"healthz", "GET", "/healthz", nil, false, http.StatusOK},
	{"healthz HEAD", "HEAD", "/healthz", nil, false, http.StatusOK},
	{"ws without an upgrade", "GET", "/ws", nil, false, http.StatusBadRequest},
	{"ws HEAD", "HEAD", "/ws", nil, false, http.StatusBadRequest},
	{"ws from another origin", "GET", "/ws", map[string]string{"Origin": "https://evil.example"}, true, http.StatusForbidden},
	{"ws of version 8", "GET", "/ws", map[string]string{"Sec-WebSocket-Version": "8"}, true, http.StatusUpgradeRequired},
	{"ws with a bad fault spec", "GET", "/ws?fault=explode", nil, true, http.StatusBadRequest},
	{"ws with a fault spec out of bounds", "GET", "/ws?fault=frag:0", nil, true, http.StatusBadRequest},
	{"ws refused by status:503", "GET", "/ws?fault=status:503", nil, true, http.StatusServiceUnavailable},
	{"ws with a bad method", "POST", "/ws", nil, false, http.StatusMethodNotAllowed},
	{"unknown path", "GET", "/nope", nil, false, http.StatusNotFound},
	{"panic", "GET", "/test-panic", nil, false, http.StatusInternalServerError},
}

// pageSecurityHeaders are the headers every answer of the page listeners
// carries, with the value each must have or, for the policy, contain.
var pageSecurityHeaders = map[string]string{
	"Content-Security-Policy":      "default-src 'none'",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "no-referrer",
	"X-Frame-Options":              "DENY",
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
	"Permissions-Policy":           "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

// TestPageSecurityHeaders: every answer of both page listeners, the page
// and its files, /info, /healthz, a refused WebSocket upgrade, a 404, a
// 405 and a panic's 500, carries the page's protective headers; whatever
// is not the page has a policy that runs and loads nothing, and no answer
// may be framed.
func TestPageSecurityHeaders(t *testing.T) {
	t.Parallel()
	var routers []chi.Router
	ta := startAppWith(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"}, func(a *app) {
		routers = []chi.Router{a.https.Handler.(chi.Router), a.plain.Handler.(*web.Forwarded).Next.(chi.Router)}
		for _, r := range routers {
			r.Get("/test-panic", func(http.ResponseWriter, *http.Request) { panic("test panic value") })
		}
	})
	tests := pageHeaderTests
	for _, p := range web.Paths() {
		if p != "/" && p != "/index.html" {
			tests = append(tests, pageHeaderTests[0])
			tests[len(tests)-1].name, tests[len(tests)-1].path = "page file "+p, p
		}
	}
	// Every route the page listeners have is asked for above.
	for _, r := range routers {
		chi.Walk(r, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
			if !slices.ContainsFunc(tests, func(tt pageHeaderTest) bool { return strings.SplitN(tt.path, "?", 2)[0] == route }) {
				t.Errorf("route %s %s is not asked for", method, route)
			}
			return nil
		})
	}

	client := &http.Client{
		Transport:     &http.Transport{TLSClientConfig: ta.clientTLS()},
		Timeout:       5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	for _, base := range []string{"https://localhost:" + portOf(t, ta.HTTPSAddr), "http://" + ta.HTTPAddr} {
		for _, tt := range tests {
			req, err := http.NewRequest(tt.method, base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.upgrade {
				req.Header.Set("Connection", "Upgrade")
				req.Header.Set("Upgrade", "websocket")
				req.Header.Set("Sec-WebSocket-Version", "13")
				req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("%s (%s %s): %v", tt.name, tt.method, base+tt.path, err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("%s (%s %s) = %d, want %d", tt.name, tt.method, base+tt.path, resp.StatusCode, tt.status)
			}
			for k, want := range pageSecurityHeaders {
				got := resp.Header.Values(k)
				if len(got) != 1 || !strings.Contains(got[0], want) {
					t.Errorf("%s (%s %s): %s %q, want one with %q", tt.name, tt.method, base+tt.path, k, got, want)
				}
			}
			csp := resp.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s (%s %s): Content-Security-Policy %q lets other sites frame it", tt.name, tt.method, base+tt.path, csp)
			}
			ct := resp.Header.Get("Content-Type")
			if (strings.HasPrefix(ct, "text/plain") || strings.HasPrefix(ct, "application/json")) && csp != "default-src 'none'; frame-ancestors 'none'" {
				t.Errorf("%s (%s %s): a %s answer with Content-Security-Policy %q, want one that allows nothing", tt.name, tt.method, base+tt.path, ct, csp)
			}
		}
	}
}
