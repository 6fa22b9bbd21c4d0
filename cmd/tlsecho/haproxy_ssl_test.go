package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestHAProxySSLTLV puts HAProxy in TCP mode in front of the plain HTTP
// listener, ending TLS itself and saying so in the PROXY v2 header's SSL
// TLV (send-proxy-v2-ssl-cn), where no X-Forwarded-Proto can be added:
// /info names the client, the balancer and the https the client used.
// The same balancer's plain frontend, whose header carries no such TLV,
// gets http.
func TestHAProxySSLTLV(t *testing.T) {
	t.Parallel()
	haproxy := needHAProxy(t)
	ta := startApp(t, map[string]string{"HTTP_ADDR": "127.0.0.1:0", "PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"})

	dir := t.TempDir()
	pem := haproxyPEM(t, dir)
	tlsFront, plainFront := freeAddr(t), freeAddr(t)
	cfg := haproxyTCPHead + fmt.Sprintf(`    timeout client 30s
    timeout server 30s
frontend tls
    bind %s ssl crt %s
    default_backend ssl
frontend plain
    bind %s
    default_backend plain
backend ssl
    server tlsecho %s send-proxy-v2-ssl-cn
backend plain
    server tlsecho %s send-proxy-v2
`, tlsFront, pem, plainFront, ta.HTTPAddr, ta.HTTPAddr)
	cfgFile := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	startHAProxy(t, haproxy, cfgFile)
	waitAccepting(t, tlsFront)
	waitAccepting(t, plainFront)

	for _, tt := range []struct {
		name, url, scheme string
		upstream          bool
	}{
		{"TLS ended by HAProxy", "https://" + tlsFront + "/info", "https", true},
		{"plain through HAProxy", "http://" + plainFront + "/info", "http", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var local string
			client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
				TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
				DialContext:     localAddrDialer(&local),
			}}
			info := getInfo(t, client, tt.url, nil).Client
			if info.Scheme != tt.scheme || info.TLSTerminatedUpstream != tt.upstream {
				t.Errorf("/info client: scheme %q, tls_terminated_upstream %v; want %q, %v", info.Scheme, info.TLSTerminatedUpstream, tt.scheme, tt.upstream)
			}
			if info.Address != local || info.Balancer == "" || info.Balancer == local {
				t.Errorf("/info client: address %q, balancer %q; want the client %s and HAProxy beside it", info.Address, info.Balancer, local)
			}
		})
	}
}

// localAddrDialer dials TCP and keeps the connection's local address in
// *local: the client's address as HAProxy sees it.
func localAddrDialer(local *string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if err == nil {
			*local = c.LocalAddr().String()
		}
		return c, err
	}
}
