package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// routeTests are answers every listener gives alike: a path it serves
// answers 405 to a method it does not take, with an Allow header that
// lists HEAD wherever GET is allowed (HEAD is served for every GET); a
// path it does not serve is 404 whatever the method. A path that does not
// begin with a slash is a request target of another form, sent as it is.
var routeTests = []struct {
	listeners []string // "https", "http", "admin"
	method    string
	path      string
	status    int
	allow     string // the Allow header of a 405
}{
	{[]string{"https", "http"}, "GET", "/", http.StatusOK, ""},
	{[]string{"https", "http"}, "HEAD", "/app.js", http.StatusOK, ""},
	{[]string{"https", "http"}, "POST", "/", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"https", "http"}, "PUT", "/app.js", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"https", "http"}, "POST", "/ws", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"https", "http"}, "DELETE", "/info", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"https", "http", "admin"}, "POST", "/healthz", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"https", "http", "admin"}, "GET", "/nope", http.StatusNotFound, ""},
	{[]string{"https", "http", "admin"}, "POST", "/nope", http.StatusNotFound, ""},
	{[]string{"https", "http", "admin"}, "DELETE", "/nope/deeper", http.StatusNotFound, ""},
	// A method the router does not know (WebDAV's, say) is no different.
	{[]string{"https", "http", "admin"}, "PROPFIND", "/nope", http.StatusNotFound, ""},
	{[]string{"https", "http", "admin"}, "PROPFIND", "/healthz", http.StatusMethodNotAllowed, "GET, HEAD"},
	// /faults is the admin port's; elsewhere it is no path at all.
	{[]string{"https", "http"}, "GET", "/faults", http.StatusNotFound, ""},
	{[]string{"https", "http"}, "POST", "/faults", http.StatusNotFound, ""},
	{[]string{"https", "http"}, "DELETE", "/faults", http.StatusNotFound, ""},
	{[]string{"admin"}, "PUT", "/faults", http.StatusMethodNotAllowed, "GET, HEAD, POST, DELETE"},
	{[]string{"admin"}, "PATCH", "/faults", http.StatusMethodNotAllowed, "GET, HEAD, POST, DELETE"},
	{[]string{"admin"}, "OPTIONS", "/faults", http.StatusMethodNotAllowed, "GET, HEAD, POST, DELETE"},
	{[]string{"admin"}, "PROPFIND", "/faults", http.StatusMethodNotAllowed, "GET, HEAD, POST, DELETE"},
	{[]string{"admin"}, "HEAD", "/faults", http.StatusOK, ""},
	{[]string{"admin"}, "HEAD", "/hellos", http.StatusOK, ""},
	{[]string{"admin"}, "GET", "/", http.StatusNotFound, ""},
	{[]string{"admin"}, "POST", "/", http.StatusNotFound, ""},
	{[]string{"admin"}, "POST", "/metrics", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"admin"}, "DELETE", "/readyz", http.StatusMethodNotAllowed, "GET, HEAD"},
	{[]string{"admin"}, "POST", "/hellos", http.StatusMethodNotAllowed, "GET, HEAD"},
	// The asterisk-form names the server, for OPTIONS only (RFC 9112
	// section 3.2.4); an authority-form target is for CONNECT, which a
	// server that is no proxy does not implement (RFC 9110 section 9.3.6).
	{[]string{"https", "http", "admin"}, "OPTIONS", "*", http.StatusOK, ""},
	{[]string{"https", "http", "admin"}, "GET", "*", http.StatusBadRequest, ""},
	{[]string{"https", "http", "admin"}, "CONNECT", "other.example:443", http.StatusNotImplemented, ""},
	{[]string{"https", "http", "admin"}, "CONNECT", "/healthz", http.StatusNotImplemented, ""},
	// A target longer than any served here is 414 (RFC 9112 section 3),
	// a path or a query, where it was a 404 or served.
	{[]string{"https", "http", "admin"}, "GET", "/" + strings.Repeat("a", 9000), http.StatusRequestURITooLong, ""},
	{[]string{"https", "http"}, "GET", "/info?q=" + strings.Repeat("a", 9000), http.StatusRequestURITooLong, ""},
	{[]string{"admin"}, "GET", "/metrics?q=" + strings.Repeat("a", 60000), http.StatusRequestURITooLong, ""},
	{[]string{"https", "http", "admin"}, "GET", "/healthz?q=" + strings.Repeat("a", 8000), http.StatusOK, ""},
}

// TestRoutes asks each listener of a running server for the paths and
// methods of routeTests.
func TestRoutes(t *testing.T) {
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0"})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	base := map[string]string{
		"https": "https://localhost:" + portOf(t, ta.HTTPSAddr),
		"http":  "http://" + ta.HTTPAddr,
		"admin": "http://" + ta.AdminAddr,
	}
	for _, tt := range routeTests {
		shown := tt.path
		if len(shown) > 40 {
			shown = fmt.Sprintf("%s... (%d bytes)", shown[:40], len(shown))
		}
		for _, l := range tt.listeners {
			req, err := http.NewRequest(tt.method, base[l]+tt.path, nil)
			if !strings.HasPrefix(tt.path, "/") {
				// Sent as it is: "OPTIONS * HTTP/1.1", "CONNECT host:port".
				req, err = http.NewRequest(tt.method, base[l], nil)
				if err == nil {
					req.URL.Opaque = tt.path
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Errorf("%s %s on %s: %v", tt.method, shown, l, err)
				continue
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			allow := resp.Header.Values("Allow")
			if resp.StatusCode != tt.status || (tt.allow != "" && (len(allow) != 1 || allow[0] != tt.allow)) {
				t.Errorf("%s %s on %s = %d, Allow %q; want %d, Allow %q", tt.method, shown, l, resp.StatusCode, allow, tt.status, tt.allow)
			}
			// The page's listeners answer with its security headers, their
			// errors too.
			if l != "admin" && (resp.Header.Get("Content-Security-Policy") == "" || resp.Header.Get("X-Frame-Options") != "DENY") {
				t.Errorf("%s %s on %s: no page security headers: %v", tt.method, shown, l, resp.Header)
			}
		}
	}
}

// TestAdminPanic: the admin listener's router recovers a handler's panic
// as the page's does: a 500 and one error record naming the listener.
func TestAdminPanic(t *testing.T) {
	ta := startAppWith(t, map[string]string{"LOG_FORMAT": "json", "LOG_LEVEL": "info"}, func(a *app) {
		r, ok := a.admin.Handler.(chi.Router)
		if !ok {
			t.Fatalf("the admin handler is a %T, not a chi router", a.admin.Handler)
		}
		r.Get("/test-panic", func(http.ResponseWriter, *http.Request) { panic("admin panic value") })
	})
	resp, err := http.Get("http://" + ta.AdminAddr + "/test-panic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /test-panic = %d, want 500", resp.StatusCode)
	}
	// The record is written before the 500.
	line := logLineWith(ta.Log.String(), `"msg":"handler panic"`)
	for _, want := range []string{`"level":"ERROR"`, `"listener":"admin"`, `"panic":"admin panic value"`, `"stack":`} {
		if !strings.Contains(line, want) {
			t.Errorf("panic record %q lacks %s", line, want)
		}
	}
}
