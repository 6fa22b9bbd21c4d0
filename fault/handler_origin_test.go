package fault

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerCrossSite: what a browser says of a request's origin decides
// whether /faults changes anything. Another site's page is refused 403
// with one line, for POST and DELETE; the server's own origin, a typed
// URL, curl and scripts (no such headers) are served; reading stays open
// to all.
func TestHandlerCrossSite(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls"}})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	tests := []struct {
		name, method string
		header       map[string]string
		want         int
	}{
		{"curl", http.MethodPost, nil, http.StatusCreated},
		{"same origin", http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": srv.URL}, http.StatusCreated},
		{"typed by the user", http.MethodPost, map[string]string{"Sec-Fetch-Site": "none"}, http.StatusCreated},
		{"another site", http.MethodPost, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"}, http.StatusForbidden},
		{"another port of this host", http.MethodPost, map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"an older browser, Origin only", http.MethodPost, map[string]string{"Origin": "https://elsewhere.example"}, http.StatusForbidden},
		{"disarm from another site", http.MethodDelete, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"read from another site", http.MethodGet, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(in.Armed())
			req, err := http.NewRequest(tt.method, srv.URL+"?spec=rst&listener=tls", nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("%s with %v = %d %q, want %d", tt.method, tt.header, resp.StatusCode, b, tt.want)
			}
			if tt.want == http.StatusForbidden {
				if !strings.Contains(string(b), "another site's page") || strings.Count(strings.TrimSpace(string(b)), "\n") > 0 {
					t.Errorf("refusal = %q, want one line saying why", b)
				}
				if after := len(in.Armed()); after != before {
					t.Errorf("a refused %s changed the armed faults from %d to %d", tt.method, before, after)
				}
			}
		})
	}
}
