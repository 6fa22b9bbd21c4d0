package listener_test

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestHTTPServerOnTLSListener serves net/http on a TLS Listener: the
// request sees the TLS state, the client's address, and its Conn through
// the request context.
func TestHTTPServerOnTLSListener(t *testing.T) {
	t.Parallel()
	o := tlsOptions(t, listener.Options{Name: "https"})
	o.TLSConfig.NextProtos = []string{"http/1.1"}
	l := listen(t, o)
	type info struct {
		TLS, Found   bool
		Listener     string
		Remote, Peer string
		Accepted     time.Time
		Proto        string
	}
	srv := &http.Server{
		ConnContext: listener.ConnContext,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var in info
			in.TLS, in.Remote, in.Proto = r.TLS != nil && r.TLS.HandshakeComplete, r.RemoteAddr, r.Proto
			if c := listener.FromContext(r.Context()); c != nil {
				in.Found, in.Listener, in.Peer, in.Accepted = true, c.Listener, c.Peer.String(), c.Accepted
			}
			json.NewEncoder(w).Encode(in)
		}),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		srv.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve = %v", err)
		}
	}()

	cfg := clientConfig(t)
	cfg.NextProtos = []string{"h2", "http/1.1"}
	tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
	defer tr.CloseIdleConnections()
	start := time.Now()
	resp, err := (&http.Client{Transport: tr, Timeout: ioTimeout}).Get("https://" + l.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var in info
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil {
		t.Fatal(err)
	}
	if !in.TLS || !in.Found || in.Listener != "https" || in.Proto != "HTTP/1.1" {
		t.Errorf("request saw %+v; want TLS, HTTP/1.1 and its Conn from listener https", in)
	}
	if in.Remote != in.Peer || in.Accepted.Before(start.Add(-time.Second)) {
		t.Errorf("RemoteAddr %q, Conn.Peer %q, accepted %v; want the same client, accepted now", in.Remote, in.Peer, in.Accepted)
	}
}

// TestFromTLSConn finds the Conn under the *tls.Conn Accept returns.
func TestFromTLSConn(t *testing.T) {
	t.Parallel()
	l := listen(t, tlsOptions(t, listener.Options{Name: "tls"}))
	got := acceptAll(t, l)
	c, err := dialTLS(t, l.Addr().String(), clientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	a := next(t, got)
	tc, ok := a.c.(*tls.Conn)
	if !ok {
		t.Fatalf("Accept = %T, want *tls.Conn", a.c)
	}
	lc := listener.From(tc)
	if lc == nil || lc.Listener != "tls" || lc.RemoteAddr().String() != c.LocalAddr().String() || lc.Balancer != nil {
		t.Fatalf("From = %+v, want the Conn of client %v", lc, c.LocalAddr())
	}
	if listener.From(nil) != nil {
		t.Error("From(nil) is not nil")
	}
}
