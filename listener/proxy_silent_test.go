package listener_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestProxyOptionalSilentClient: where a header is optional, a client that
// opens TCP and sends nothing at all until the handshake timeout sent no
// header, which the stage allows: Hooks.Proxy hears no refusal, and the
// client fails as it would on a listener without the stage, by its TLS
// handshake's timeout. It was reported as a refused header ("no PROXY
// protocol header within"), which tlsecho_proxy_headers_total counts
// under refused, the series an operator watches for a wrong
// TLSECHO_PROXY_TRUSTED or a balancer not sending headers: idle port
// scanners fired it, while one that closed at once without a byte was
// counted under none. Where a header is required, silence is still the
// missing header's refusal.
func TestProxyOptionalSilentClient(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	for _, tt := range []struct {
		name      string
		opts      listener.ProxyOptions
		wantProxy string // "" for no refusal, else the start of its words
		wantHS    string
	}{
		{"optional", listener.ProxyOptions{}, "", "no handshake within 300ms: "},
		{"require", listener.ProxyOptions{Require: true}, "no PROXY protocol header within 300ms: ", "no PROXY protocol header within 300ms: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := listener.NewProxy(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			proxyErrs := make(chan error, 1)
			hsErrs := make(chan error, 1)
			l := listen(t, tlsOptions(t, listener.Options{Name: "tls", Proxy: p, HandshakeTimeout: timeout, Hooks: &listener.Hooks{
				Proxy: func(_ *listener.Conn, err error) { proxyErrs <- err },
				Handshake: func(_ *listener.Conn, h listener.Handshake) {
					hsErrs <- h.Err
				},
			}}))
			acceptAll(t, l)
			c := dialProxied(t, l.Addr().String(), nil)
			if !closedByServer(c) {
				t.Fatal("a silent client was not dropped")
			}
			select {
			case err := <-proxyErrs:
				switch {
				case tt.wantProxy == "" && err != nil:
					t.Errorf("the PROXY stage refused a client that sent nothing: %v", err)
				case tt.wantProxy != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantProxy)):
					t.Errorf("the PROXY stage said %v, want %q...", err, tt.wantProxy)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no PROXY outcome")
			}
			select {
			case err := <-hsErrs:
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantHS) {
					t.Errorf("handshake failure %v, want %q...", err, tt.wantHS)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no handshake failure reported")
			}
		})
	}
}
