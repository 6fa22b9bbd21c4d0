package tlsinfo

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzHellosQuery asks /hellos with any query. It lists the records (200)
// only for a query that reads whole, strictly as url.ParseQuery reads it,
// with the listener given at most once as tls, https or wss in any case;
// anything else gets 400 and one line, never a list that quietly ignores
// the filter asked for.
func FuzzHellosQuery(f *testing.F) {
	for _, q := range []string{"", "listener=tls", "listener=TLS", "listener=wss", "listener=https&x=1", "listener=http",
		"listener=tls;", "listener=tls%zz", "listener=tls&listener=https", "listener=%20tls%20", "x=%", "listener"} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req := httptest.NewRequest("GET", "/hellos", nil)
		req.URL.RawQuery = raw
		rec := httptest.NewRecorder()
		(&Recent{}).ServeHTTP(rec, req)
		vals, err := url.ParseQuery(raw)
		ok := err == nil && len(vals["listener"]) <= 1
		if ok {
			switch strings.ToLower(strings.TrimSpace(vals.Get("listener"))) {
			case "", "tls", "https", "wss":
			default:
				ok = false
			}
		}
		switch rec.Code {
		case http.StatusOK:
			if !ok {
				t.Fatalf("?%s listed (%v, %q): the query does not read whole or names no listener", raw, err, vals["listener"])
			}
		case http.StatusBadRequest:
			if ok {
				t.Fatalf("?%s refused: %q", raw, rec.Body.String())
			}
			if strings.ContainsAny(strings.TrimSuffix(rec.Body.String(), "\n"), "\r\n") {
				t.Fatalf("?%s refused with more than one line: %q", raw, rec.Body.String())
			}
		default:
			t.Fatalf("?%s: status %d", raw, rec.Code)
		}
	})
}
