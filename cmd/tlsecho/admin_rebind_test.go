package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/certs"
)

// browserRequest is what Chromium 148 sends for a script's fetch() of
// path from a page of origin (http://host:port) to the admin port at
// addr: the Host is the origin's host:port, whatever address the name
// resolved to. A page of a plain http:// origin other than localhost or
// an address gets no Sec-Fetch-* headers, and Origin only on methods
// other than GET and HEAD.
func browserRequest(t *testing.T, method, addr, origin, path string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+path, body)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(origin)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = u.Host
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/148.0.0.0 Safari/537.36")
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Language", "en-US,en;q=0.9")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Referer", origin+"/")
	if method != http.MethodGet && method != http.MethodHead {
		req.Header.Set("Origin", origin)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	}
	return req
}

// withFetchMetadata adds what a browser sends a trustworthy origin
// (https, localhost, a loopback address) beside: Sec-Fetch-* and, on
// every method, Origin.
func withFetchMetadata(req *http.Request) {
	req.Header.Set("Origin", "http://"+req.Host)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Sec-Fetch-Mode", "cors")
	req.Header.Set("Sec-Fetch-Dest", "empty")
}

// adminDo sends req and returns its status and body.
func adminDo(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("%s %s (Host %s): %v", req.Method, req.URL, req.Host, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// armedFaults is GET /faults as a script sees it.
func armedFaults(t *testing.T, adminAddr string) []map[string]any {
	t.Helper()
	resp, err := http.Get("http://" + adminAddr + "/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var armed []map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&armed); err != nil {
		t.Fatal(err)
	}
	return armed
}

// adminPort is the port of addr.
func adminPort(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAdminRefusesRebindingBrowser sends the requests a page of
// http://evil.example:PORT/ makes once its name resolves to the server:
// to the browser they are same-origin, so only the Host tells them
// apart. None may read the admin port or arm a fault.
func TestAdminRefusesRebindingBrowser(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	origin := "http://evil.example:" + adminPort(t, ta.AdminAddr)
	form := "spec=rst&listener=tls&count=5"
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		change func(r *http.Request)
	}{
		{name: "hellos", method: http.MethodGet, path: "/hellos"},
		{name: "metrics", method: http.MethodGet, path: "/metrics"},
		{name: "faults list", method: http.MethodGet, path: "/faults"},
		{name: "arm fault", method: http.MethodPost, path: "/faults", body: form},
		{name: "disarm", method: http.MethodDelete, path: "/faults"},
		{name: "unrouted path", method: http.MethodGet, path: "/nothing"},
		{name: "name with trailing dot", method: http.MethodGet, path: "/hellos", change: func(r *http.Request) {
			r.Host = "evil.example.:" + adminPort(t, ta.AdminAddr)
		}},
		// The same page served over https, or a browser that sends
		// fetch metadata to any origin.
		{name: "fetch metadata", method: http.MethodGet, path: "/hellos", change: withFetchMetadata},
		{name: "fetch metadata post", method: http.MethodPost, path: "/faults", body: form, change: withFetchMetadata},
		// A page may blank Accept-Language, not remove it; Chromium
		// keeps its own User-Agent whatever the page sets.
		{name: "accept-language blanked", method: http.MethodGet, path: "/hellos", change: func(r *http.Request) {
			r.Header.Set("Accept-Language", "")
		}},
		// A browser that lets a page set User-Agent still sends
		// Accept-Language.
		{name: "user-agent changed", method: http.MethodGet, path: "/hellos", change: func(r *http.Request) {
			r.Header.Set("User-Agent", "curl/8.14.1")
			r.Header.Del("Referer")
		}},
		// A navigation (the page sets location, or opens a window).
		{name: "navigation", method: http.MethodGet, path: "/hellos", change: func(r *http.Request) {
			r.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
			r.Header.Set("Upgrade-Insecure-Requests", "1")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := browserRequest(t, tt.method, ta.AdminAddr, origin, tt.path, body)
			if tt.change != nil {
				tt.change(req)
			}
			status, text := adminDo(t, req)
			if status != http.StatusForbidden {
				t.Fatalf("%s %s with Host %s = %d %.200q, want 403", tt.method, tt.path, req.Host, status, text)
			}
			for _, want := range []string{req.Host, "TLSECHO_HOSTS", "IP address"} {
				if !strings.Contains(text, want) {
					t.Errorf("refusal %q does not mention %q", text, want)
				}
			}
			if strings.Count(strings.TrimSuffix(text, "\n"), "\n") != 0 {
				t.Errorf("refusal %q is more than one line", text)
			}
		})
	}
	if armed := armedFaults(t, ta.AdminAddr); len(armed) != 0 {
		t.Errorf("GET /faults = %v after a rebound page posted to it, want nothing armed", armed)
	}
}

// TestAdminServesBrowserByOwnName: a page of the admin port opened by an
// address, by localhost, or by a name the server has (TLSECHO_HOSTS, the
// certificate's names) reads it and arms faults as before.
func TestAdminServesBrowserByOwnName(t *testing.T) {
	t.Parallel()
	g, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"echo.example", "*.svc.example"}})
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := writeGenerated(t, t.TempDir(), "server", g)
	ta := startApp(t, map[string]string{
		"CERT_FILE": certFile, "KEY_FILE": keyFile,
		"HOSTS": "localhost,127.0.0.1,::1,Admin.Example",
	})
	p := adminPort(t, ta.AdminAddr)
	for _, host := range []string{
		"127.0.0.1", "[::1]", "localhost", "app.localhost", "admin.example", "echo.example", "tlsecho.svc.example",
	} {
		t.Run(host, func(t *testing.T) {
			origin := "http://" + host + ":" + p
			if status, text := adminDo(t, browserRequest(t, http.MethodGet, ta.AdminAddr, origin, "/hellos", nil)); status != http.StatusOK {
				t.Errorf("GET /hellos from a page of %s = %d %q, want 200", origin, status, text)
			}
			req := browserRequest(t, http.MethodPost, ta.AdminAddr, origin, "/faults", strings.NewReader("spec=rst&listener=tls"))
			withFetchMetadata(req)
			if status, text := adminDo(t, req); status != http.StatusCreated {
				t.Errorf("POST /faults from a page of %s = %d %q, want 201", origin, status, text)
			}
		})
	}
	// A wildcard stands for one label, as in the certificate.
	origin := "http://a.b.svc.example:" + p
	if status, _ := adminDo(t, browserRequest(t, http.MethodGet, ta.AdminAddr, origin, "/hellos", nil)); status != http.StatusForbidden {
		t.Errorf("GET /hellos from a page of %s = %d, want 403", origin, status)
	}
}

// TestAdminServesScrapesByAnyName: scrapers and probes send no browser
// headers and often name the server by a service name it does not know;
// they are served whatever the Host.
func TestAdminServesScrapesByAnyName(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	tests := []struct {
		name, path string
		header     map[string]string
	}{
		// As Prometheus scrapes a static or service-discovered target.
		{name: "prometheus", path: "/metrics", header: map[string]string{
			"Host":                                "tlsecho.monitoring.svc:9090",
			"User-Agent":                          "Prometheus/3.5.0",
			"Accept":                              "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
			"Accept-Encoding":                     "gzip",
			"X-Prometheus-Scrape-Timeout-Seconds": "10",
		}},
		// As kubelet probes with a Host set in the pod's httpHeaders.
		{name: "kubelet", path: "/readyz", header: map[string]string{
			"Host":       "tlsecho.example",
			"User-Agent": "kube-probe/1.34",
			"Accept":     "*/*",
		}},
		// As Go's client (tlsecho health, the load tool's -metrics).
		{name: "go client", path: "/healthz", header: map[string]string{
			"Host": "tlsecho:9090",
		}},
		{name: "curl", path: "/hellos", header: map[string]string{
			"Host":       "evil.example:9090",
			"User-Agent": "curl/8.14.1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, "http://"+ta.AdminAddr+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			req.Host = tt.header["Host"]
			if status, text := adminDo(t, req); status != http.StatusOK {
				t.Errorf("GET %s with Host %s and no browser headers = %d %q, want 200", tt.path, req.Host, status, text)
			}
		})
	}
}
