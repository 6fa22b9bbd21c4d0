package main

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/pires/go-proxyproto"
)

// TestInfoRawCommandWithProxyRequired: with TLSECHO_PROXY_PROTOCOL=require
// /info's raw port commands depend on how the request came. Through a
// load balancer (its header named a client), the plain commands, which
// reach the raw port through that balancer when it fronts the port too
// (a -proxy-v2 command there would arrive with two headers), with
// proxy_header_required set; straight to this server the tlsecho command
// then works with -proxy-v2 added, as the page's hint says. A header that
// named no client (LOCAL: a health check's, or a client's own) gets no
// openssl command (s_client cannot send a header) and a tlsecho client
// command that sends one and, run as written (with -insecure for the
// self-signed certificate, as the page says), gets the echo. With the
// header optional the openssl command stays.
func TestInfoRawCommandWithProxyRequired(t *testing.T) {
	t.Parallel()
	type rawInfo struct {
		RawTLS struct {
			OpenSSL       *string `json:"openssl"`
			Client        string  `json:"tlsecho"`
			ProxyRequired bool    `json:"proxy_header_required"`
		} `json:"raw_tls"`
	}
	getRaw := func(ta *testApp, dial func(ctx context.Context, network, addr string) (net.Conn, error)) rawInfo {
		t.Helper()
		tr := &http.Transport{DialContext: dial, TLSClientConfig: ta.clientTLS()}
		defer tr.CloseIdleConnections()
		var doc rawInfo
		getJSON(t, &http.Client{Transport: tr, Timeout: ioWait}, "https://"+ta.HTTPSAddr+"/info", &doc)
		return doc
	}
	clientArgs := func(cmd string) []string {
		t.Helper()
		args := strings.Fields(cmd)
		if len(args) < 3 || args[0] != "tlsecho" || args[1] != "client" {
			t.Fatalf("tlsecho = %q: want a tlsecho client command", cmd)
		}
		return args[2:]
	}

	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require"})
	raw := getRaw(ta, proxiedDialer(2, "203.0.113.7:40001", nil)).RawTLS
	if raw.OpenSSL == nil || !strings.HasPrefix(*raw.OpenSSL, "openssl s_client -connect ") {
		t.Errorf("through a balancer: openssl = %v, want the plain command", raw.OpenSSL)
	}
	if strings.Contains(raw.Client, "-proxy-v2") || !raw.ProxyRequired {
		t.Errorf("through a balancer: tlsecho = %q, proxy_header_required %v; want the plain command, flagged", raw.Client, raw.ProxyRequired)
	}
	runClient(t, "", append(append([]string{"-insecure", "-proxy-v2"}, clientArgs(raw.Client)...), "hello")...).want(t, exitOK, []string{"hello"}, nil)

	raw = getRaw(ta, localHeaderDialer).RawTLS
	if raw.OpenSSL != nil {
		t.Errorf("openssl = %q after a LOCAL header under require, which the port refuses", *raw.OpenSSL)
	}
	if !raw.ProxyRequired || !strings.Contains(raw.Client, " -proxy-v2 ") {
		t.Errorf("after a LOCAL header: tlsecho = %q, proxy_header_required %v; want a command that sends a PROXY header", raw.Client, raw.ProxyRequired)
	}
	runClient(t, "", append(append([]string{"-insecure"}, clientArgs(raw.Client)...), "hello")...).want(t, exitOK, []string{"hello"}, nil)

	optional := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional"})
	if raw := getRaw(optional, proxiedDialer(2, "203.0.113.7:40001", nil)).RawTLS; raw.OpenSSL == nil || !strings.HasPrefix(*raw.OpenSSL, "openssl s_client -connect ") || raw.ProxyRequired {
		t.Errorf("with the header optional: %+v; want the openssl command", raw)
	}
}

// localHeaderDialer dials and sends a PROXY v2 LOCAL header, which names
// no client, as a balancer's own health check does.
func localHeaderDialer(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	h := &proxyproto.Header{Version: 2, Command: proxyproto.LOCAL, TransportProtocol: proxyproto.UNSPEC}
	if _, err := h.WriteTo(c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
