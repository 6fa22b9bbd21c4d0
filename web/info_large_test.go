package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// heldWriter holds each answer's body write until release is closed, as
// a client that reads none of it holds its handler, and says when the
// write has begun.
type heldWriter struct {
	http.ResponseWriter
	writing chan<- struct{}
	release <-chan struct{}
}

func (h *heldWriter) Write(b []byte) (int, error) {
	h.writing <- struct{}{}
	<-h.release
	return h.ResponseWriter.Write(b)
}

// TestInfoLargeAnswersBounded: /info describes the client's own
// ClientHello, and a large hello (a 61 KB ALPN list of control bytes,
// each escaped to six) makes an answer of a few hundred KiB, held until
// the client reads it or the answer's write deadline passes. Clients
// that asked and read nothing made the server hold about 0.5 MB each:
// 1,000 of them took 520 MB. The large answers being written at once
// are bounded in bytes: past the bound one gets 503 with Retry-After,
// and once they are gone, large answers are served again, however many
// were refused meanwhile.
func TestInfoLargeAnswersBounded(t *testing.T) {
	t.Parallel()
	suites := make([]uint16, 20000)
	for i := range suites {
		suites[i] = uint16(0xe000 + i)
	}
	hello := &tlsinfo.ClientHello{LegacyVersion: 0x0303, CipherSuites: suites}
	h := &InfoHandler{ClientHello: func(*http.Request) *tlsinfo.ClientHello { return hello }}
	one := httptest.NewRecorder()
	h.ServeHTTP(one, httptest.NewRequest("GET", "/info", nil))
	size := one.Body.Len()
	if one.Code != http.StatusOK || size <= largeInfo {
		t.Fatalf("%d, %d bytes: the answer is not a large one", one.Code, size)
	}
	// Room for two such answers, not three.
	h.largeBudget = int64(size)*2 + int64(size)/2

	writing := make(chan struct{})
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("held") {
			w = &heldWriter{ResponseWriter: w, writing: writing, release: release}
		}
		h.ServeHTTP(w, r)
	}))
	defer srv.Close()
	get := func(query string) (int, string, string) {
		resp, err := http.Get(srv.URL + "/info" + query)
		if err != nil {
			t.Error(err)
			return 0, "", ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if code, _, _ := get("?held"); code != http.StatusOK {
				t.Errorf("a held answer: %d", code)
			}
		})
		<-writing
	}
	// Each refused answer gives its bytes back: refusals counted as held
	// would leave large answers refused for good.
	for range 3 {
		code, retry, body := get("")
		if code != http.StatusServiceUnavailable || retry == "" || !strings.Contains(body, "large /info answers") {
			t.Errorf("a third large answer while two are held: %d, Retry-After %q, %q; want 503 saying why", code, retry, body[:min(len(body), 120)])
		}
	}
	close(release)
	wg.Wait()
	if code, _, _ := get(""); code != http.StatusOK {
		t.Errorf("once the held answers are out: %d, want 200", code)
	}
}
