package fault

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerParamGivenTwice: a parameter given more than once, in the
// query, the body or both, is refused with 400 naming it, instead of one
// of its values armed without a word.
func TestHandlerParamGivenTwice(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls", "https"}})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	tests := []struct {
		name, query, body, want string
	}{
		{"spec in the query twice", "spec=rst&spec=fin&listener=tls", "", `fault: spec: given 2 times`},
		{"spec in query and body", "spec=rst", "spec=fin&listener=tls", `fault: spec: given 2 times`},
		{"listener in query and body", "listener=tls", "listener=https&spec=rst", `fault: listener: given 2 times`},
		{"count in the body twice", "", "spec=rst&listener=tls&count=2&count=3", `fault: count: given 2 times`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Post(srv.URL+"?"+tt.query, "application/x-www-form-urlencoded", strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), tt.want) || strings.Count(strings.TrimSpace(string(b)), "\n") > 0 {
				t.Errorf("POST ?%s %q = %d %q, want 400 with one line %q", tt.query, tt.body, resp.StatusCode, b, tt.want)
			}
		})
	}
	if got := in.Armed(); len(got) != 0 {
		t.Fatalf("refused POSTs armed %v", got)
	}
}
