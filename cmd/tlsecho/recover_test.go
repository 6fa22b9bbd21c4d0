package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
)

// TestPanicIsOneLogRecord makes a route of the real HTTPS router panic
// and checks that the JSON log stays JSON: one error record carrying the
// panic and its stack, and nothing printed beside it.
func TestPanicIsOneLogRecord(t *testing.T) {
	t.Parallel()
	ta := startAppWith(t, map[string]string{"LOG_FORMAT": "json", "LOG_LEVEL": "info"}, func(a *app) {
		r, ok := a.https.Handler.(chi.Router)
		if !ok {
			t.Fatalf("the HTTPS handler is a %T, not a chi router", a.https.Handler)
		}
		r.Get("/test-panic", func(http.ResponseWriter, *http.Request) { panic("test panic value") })
		r.Get("/test-abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	})
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ta.clientTLS()}, Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	base := "https://localhost:" + portOf(t, ta.HTTPSAddr)

	resp, err := client.Get(base + "/test-panic")
	if err != nil {
		t.Fatalf("GET /test-panic: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("GET /test-panic = %d %q, want 500", resp.StatusCode, body)
	}
	// ErrAbortHandler drops the response without a record, as net/http
	// itself treats it.
	if resp, err := client.Get(base + "/test-abort"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /test-abort = %d, want the connection dropped", resp.StatusCode)
	}
	// The record is written before the 500, so it is in the log now.
	var panics []map[string]any
	for line := range strings.Lines(ta.Log.String()) {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON (%v): %q", err, line)
			continue
		}
		if rec["msg"] == "handler panic" {
			panics = append(panics, rec)
		}
	}
	if len(panics) != 1 {
		t.Fatalf("%d panic records, want 1; log:\n%s", len(panics), ta.Log.String())
	}
	rec := panics[0]
	for k, want := range map[string]string{"level": "ERROR", "panic": "test panic value", "path": "/test-panic", "method": "GET", "listener": "https"} {
		if rec[k] != want {
			t.Errorf("record %s = %v, want %q", k, rec[k], want)
		}
	}
	if stack, _ := rec["stack"].(string); !strings.Contains(stack, "recover_test.go") {
		t.Errorf("record stack does not reach the panicking handler: %q", stack)
	}
}
