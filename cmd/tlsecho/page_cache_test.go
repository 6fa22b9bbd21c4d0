package main

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/web"
)

// TestPageRevalidates: the page and each of its files, as the real
// server sends them, carry an ETag, so a browser's revalidation (the
// files are served no-cache) is answered 304 with no body instead of the
// whole file again; HEAD gives the same headers without the body; and a
// 304 keeps the security headers.
func TestPageRevalidates(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	base := "https://localhost:" + portOf(t, ta.HTTPSAddr)
	do := func(method, path, inm string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if inm != "" {
			req.Header.Set("If-None-Match", inm)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s %s: read body: %v", method, path, err)
		}
		return resp, body
	}
	seen := map[string]string{}
	for _, p := range web.Paths() {
		if p == "/index.html" {
			continue // a redirect to "/"
		}
		resp, body := do("GET", p, "")
		tag := resp.Header.Get("ETag")
		if resp.StatusCode != http.StatusOK || len(body) == 0 || tag == "" {
			t.Errorf("GET %s = %d, %d bytes, ETag %q; want 200, the file and an ETag", p, resp.StatusCode, len(body), tag)
			continue
		}
		if other, dup := seen[tag]; dup {
			t.Errorf("GET %s and GET %s share the ETag %s", p, other, tag)
		}
		seen[tag] = p

		resp, body = do("GET", p, tag)
		if resp.StatusCode != http.StatusNotModified || len(body) != 0 {
			t.Errorf("GET %s with If-None-Match: %s = %d with %d bytes, want 304 and no body", p, tag, resp.StatusCode, len(body))
		}
		checkPageHeaders(t, p+" (304)", resp.Header.Get)
		if resp, _ := do("GET", p, `"stale"`); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s with a stale If-None-Match = %d, want 200", p, resp.StatusCode)
		}

		resp, body = do("HEAD", p, "")
		if resp.StatusCode != http.StatusOK || len(body) != 0 || resp.Header.Get("ETag") != tag || resp.ContentLength <= 0 {
			t.Errorf("HEAD %s = %d, %d bytes, ETag %q, length %d; want 200, no body, ETag %s and the file's length",
				p, resp.StatusCode, len(body), resp.Header.Get("ETag"), resp.ContentLength, tag)
		}
	}
	if len(seen) < 4 {
		t.Errorf("only %d files checked", len(seen))
	}
}
