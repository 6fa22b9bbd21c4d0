package fault

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// TestHandlerBodyLimit: a POST /faults body of exactly the limit is read,
// one byte more is refused with 413 and one line saying the limit, in
// either form encoding.
func TestHandlerBodyLimit(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls"}})
	srv := httptest.NewServer(in.Handler())
	defer srv.Close()
	post := func(contentType string, body []byte) (int, string) {
		t.Helper()
		resp, err := http.Post(srv.URL, contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	// urlencoded pads with a parameter the handler ignores.
	urlencoded := func(size int) []byte {
		b := []byte("spec=rst&listener=tls&pad=")
		return append(b, bytes.Repeat([]byte("x"), size-len(b))...)
	}
	// multipart pads with a field the handler ignores; the boundary is
	// fixed, so the padding's length is the only one that varies.
	multipartBody := func(size int) ([]byte, string) {
		build := func(pad int) (*bytes.Buffer, *multipart.Writer) {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			mw.SetBoundary("limit")
			mw.WriteField("spec", "rst")
			mw.WriteField("listener", "tls")
			mw.WriteField("pad", strings.Repeat("x", pad))
			mw.Close()
			return &b, mw
		}
		empty, _ := build(0)
		b, mw := build(size - empty.Len())
		return b.Bytes(), mw.FormDataContentType()
	}
	mp, mpType := multipartBody(maxFormBytes)
	mpOver, _ := multipartBody(maxFormBytes + 1)
	tests := []struct {
		name, contentType string
		body              []byte
		want              int
	}{
		{"urlencoded at the limit", "application/x-www-form-urlencoded", urlencoded(maxFormBytes), http.StatusCreated},
		{"urlencoded one byte over", "application/x-www-form-urlencoded", urlencoded(maxFormBytes + 1), http.StatusRequestEntityTooLarge},
		{"multipart at the limit", mpType, mp, http.StatusCreated},
		{"multipart one byte over", mpType, mpOver, http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == http.StatusCreated && len(tt.body) != maxFormBytes {
				t.Fatalf("body is %d bytes, want exactly %d", len(tt.body), maxFormBytes)
			}
			code, body := post(tt.contentType, tt.body)
			if code != tt.want {
				t.Fatalf("POST of %d bytes = %d %q, want %d", len(tt.body), code, body, tt.want)
			}
			if code == http.StatusRequestEntityTooLarge {
				if !strings.Contains(body, "8192 bytes") || strings.Count(strings.TrimSpace(body), "\n") > 0 {
					t.Errorf("413 answer %q: want one line naming the 8192-byte limit", body)
				}
			}
		})
	}
}

// TestHandlerBodyLimitBeforeContinue: a client that announces a body over
// the limit and waits to be told (Expect: 100-continue) is refused with
// 413 at once, not told "100 Continue" and then refused once it has sent
// it all.
func TestHandlerBodyLimitBeforeContinue(t *testing.T) {
	in := newInjector(t, Options{Listeners: []string{"tls"}})
	srv := httptest.NewServer(in.Handler())
	t.Cleanup(srv.Close) // after sendRaw's connections close: Close waits for them
	// One byte over the limit is over it too.
	for _, n := range []int{3000000, maxFormBytes + 1} {
		line, err := sendRaw(t, srv.Listener.Addr().String(), "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"+
			"Content-Length: "+strconv.Itoa(n)+"\r\nExpect: 100-continue\r\n\r\n").ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(line, "HTTP/1.1 413 ") {
			t.Errorf("%d bytes announced: first answer %q, want 413 before any body is sent", n, line)
		}
	}
}
