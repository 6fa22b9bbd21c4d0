package tlsinfo

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRecentListenerRefused: a listener /hellos does not have, one
// given more than once, or a query that does not read whole, gets 400 with one line saying so, as POST /faults
// refuses a repeated parameter, rather than a list of the first alone.
func TestRecentListenerRefused(t *testing.T) {
	srv := httptest.NewServer(&Recent{})
	defer srv.Close()
	tests := []struct {
		name, query, want string
	}{
		{"plain listener", "?listener=http", `not "http"`},
		{"unknown", "?listener=x", `not "x"`},
		{"two listeners", "?listener=tls&listener=https", "listener: given 2 times"},
		{"the same twice", "?listener=tls&listener=tls", "listener: given 2 times"},
		{"once empty", "?listener=&listener=wss", "listener: given 2 times"},
		// URL.Query dropped these pairs and listed both listeners.
		{"semicolon", "?listener=tls;", "tlsinfo: query: invalid semicolon separator in query"},
		{"bad escape", "?listener=tls%zz", `tlsinfo: query: invalid URL escape "%zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tt.want) || strings.Count(strings.TrimSpace(string(b)), "\n") > 0 {
				t.Errorf("GET %s = %d %q, want 400 with one line %q", tt.query, resp.StatusCode, b, tt.want)
			}
		})
	}
}
