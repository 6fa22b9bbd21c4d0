package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

// FuzzForwardedHop sends the X-Forwarded handler any two X-Forwarded-For
// and two X-Forwarded-Proto fields, from a trusted proxy or another
// peer. From another peer the request goes on untouched; from the proxy
// the hop names ForwardedClient's client, becomes the request's
// RemoteAddr when it names one, and carries http or https only as the
// last entry of the last X-Forwarded-Proto field says, never an entry a
// client wrote further left.
func FuzzForwardedHop(f *testing.F) {
	f.Add("203.0.113.7", "", "https", "", true)
	f.Add("198.51.100.1, 203.0.113.7", "10.0.0.2", "https", "http", true)
	f.Add("[2001:db8::7]:4711", "", "HTTP ", "", true)
	f.Add("not an address", "", "https,http", "", true)
	f.Add("203.0.113.7", "", "https", "", false)
	f.Add("", "", "https", "", true)
	f.Fuzz(func(t *testing.T, xff1, xff2, xfp1, xfp2 string, fromProxy bool) {
		const proxy, other = "10.0.0.1:40000", "192.0.2.50:40000"
		fw := &Forwarded{Trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}
		var got *Hop
		var remote string
		fw.Next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, remote = ForwardedFrom(r.Context()), r.RemoteAddr
		})
		req := httptest.NewRequest("GET", "/info", nil)
		req.RemoteAddr = other
		if fromProxy {
			req.RemoteAddr = proxy
		}
		var xff, xfp []string
		for _, v := range []string{xff1, xff2} {
			if v != "" {
				xff = append(xff, v)
				req.Header.Add("X-Forwarded-For", v)
			}
		}
		for _, v := range []string{xfp1, xfp2} {
			if v != "" {
				xfp = append(xfp, v)
				req.Header.Add("X-Forwarded-Proto", v)
			}
		}
		fw.ServeHTTP(httptest.NewRecorder(), req)
		if !fromProxy || len(xff)+len(xfp) == 0 {
			if got != nil || remote != req.RemoteAddr {
				t.Fatalf("untrusted or plain request given hop %+v, RemoteAddr %q", got, remote)
			}
			return
		}
		if got == nil || got.Proxy != proxy {
			t.Fatalf("hop %+v from the proxy", got)
		}
		if want := ForwardedClient(xff, fw.isProxy); got.Client != want {
			t.Fatalf("hop client %q, ForwardedClient %q", got.Client, want)
		}
		if wantRemote := map[bool]string{true: got.Client, false: proxy}[got.Client != ""]; remote != wantRemote {
			t.Fatalf("RemoteAddr %q, want %q", remote, wantRemote)
		}
		want := ""
		if len(xfp) > 0 {
			last := xfp[len(xfp)-1]
			last = strings.ToLower(strings.TrimSpace(last[strings.LastIndexByte(last, ',')+1:]))
			if last == "http" || last == "https" {
				want = last
			}
		}
		if got.Proto != want {
			t.Fatalf("X-Forwarded-Proto %q gives %q, want %q", xfp, got.Proto, want)
		}
	})
}
