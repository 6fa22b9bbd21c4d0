package main

import (
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"testing"
	"time"
)

// TestProxyTrustedMapped: TLSECHO_PROXY_TRUSTED written as an
// IPv4-mapped range (::ffff:127.0.0.0/104, as an IPv6-minded config
// might say 127.0.0.0/8) trusts the same IPv4 peers for PROXY headers
// and for X-Forwarded-* on the HTTP listener: one rule for both.
func TestProxyTrustedMapped(t *testing.T) {
	t.Parallel()
	for _, trusted := range []string{"::ffff:127.0.0.0/104", "::ffff:127.0.0.1"} {
		t.Run(trusted, func(t *testing.T) {
			t.Parallel()
			ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional", "PROXY_TRUSTED": trusted, "HTTP_ADDR": "127.0.0.1:0"})

			// A PROXY header from 127.0.0.1 names the client.
			c, err := proxiedDialer(2, "203.0.113.7:40001", nil)(context.Background(), "tcp", ta.TLSAddr)
			if err != nil {
				t.Fatal(err)
			}
			tc := tls.Client(c, ta.clientTLS())
			defer tc.Close()
			tc.SetDeadline(time.Now().Add(ioWait))
			io.WriteString(tc, "x")
			if _, err := io.ReadFull(tc, make([]byte, 1)); err != nil {
				t.Fatalf("echo behind a PROXY header from a peer in %s: %v", trusted, err)
			}
			waitLogged(t, ta, "peer=203.0.113.7:40001")

			// X-Forwarded-For from 127.0.0.1 names the client too.
			client := &http.Client{Timeout: ioWait}
			defer client.CloseIdleConnections()
			info := getInfo(t, client, "http://"+ta.HTTPAddr+"/info", map[string]string{"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"})
			if info.Client.Address != "198.51.100.9" || info.Client.Scheme != "https" {
				t.Errorf("/info behind X-Forwarded-* from a peer in %s: %+v, want client 198.51.100.9 over https", trusted, info.Client)
			}
		})
	}
}
