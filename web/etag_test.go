package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestPageFilesRevalidate: the page and each of its files carry an ETag
// made from their content, and a browser's revalidation with it gets 304
// (the README: "gets a 304 until the binary changes").
func TestPageFilesRevalidate(t *testing.T) {
	ts := httptest.NewTLSServer(Handler())
	defer ts.Close()
	client := ts.Client()
	for _, path := range Paths() {
		t.Run(path, func(t *testing.T) {
			resp, err := client.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			tag := resp.Header.Get("ETag")
			if resp.StatusCode != http.StatusOK || len(tag) < 3 {
				t.Fatalf("GET %s: %d, ETag %q", path, resp.StatusCode, tag)
			}
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			req.Header.Set("If-None-Match", tag)
			resp, err = client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("GET %s with If-None-Match %s: %d, want 304", path, tag, resp.StatusCode)
			}
		})
	}
}

// TestSecurityHeadersForAnswers: the headers other answers of the page
// ports get carry the policy that runs and loads nothing, not the page's.
func TestSecurityHeadersForAnswers(t *testing.T) {
	h := http.Header{}
	SecurityHeaders(h)
	if got := h.Get("Content-Security-Policy"); got != "default-src 'none'; frame-ancestors 'none'" {
		t.Errorf("Content-Security-Policy %q, want the answers' policy", got)
	}
	if h.Get("X-Frame-Options") != "DENY" || h.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("headers %v", h)
	}
}
