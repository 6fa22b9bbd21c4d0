package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pires/go-proxyproto"
)

// v2HeaderOfLength is a v2 header naming client, padded with NOOP TLVs so
// that its length field (addresses and TLVs, the bytes after the first
// 16) is exactly n.
func v2HeaderOfLength(t *testing.T, client string, dst net.Addr, n int) []byte {
	t.Helper()
	src, _ := net.ResolveTCPAddr("tcp", client)
	h := proxyproto.HeaderProxyFromAddrs(2, src, dst)
	rest := n - 12 // the IPv4 addresses and ports
	var tlvs []proxyproto.TLV
	for rest > 0 {
		size := min(rest, 1000) - 3
		tlvs = append(tlvs, proxyproto.TLV{Type: proxyproto.PP2_TYPE_NOOP, Value: bytes.Repeat([]byte{'n'}, size)})
		rest -= size + 3
	}
	if err := h.SetTLVs(tlvs); err != nil {
		t.Fatal(err)
	}
	b, err := h.Format()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(b) - 16; got != n {
		t.Fatalf("built a header of length %d, want %d", got, n)
	}
	return b
}

// TestProxyHeaderTooLong: a v2 header longer than the 4 KiB the server
// accepts (addresses and TLVs) closes that connection only, with a log
// line that says so and a refusal counted; one of exactly 4 KiB is
// served; the server goes on serving and is back to its goroutines and
// descriptors. Not parallel: the baseline is the process's.
func TestProxyHeaderTooLong(t *testing.T) {
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional", "PROXY_TRUSTED": "127.0.0.1"})
	dial := func(hdr []byte) *tls.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", ta.TLSAddr, ioWait)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(ioWait))
		if _, err := c.Write(hdr); err != nil {
			t.Fatal(err)
		}
		return tls.Client(c, ta.clientTLS())
	}
	echo := func(client string, length int) {
		t.Helper()
		tc := dial(v2HeaderOfLength(t, client, ta.tlsLn.Addr(), length))
		defer tc.Close()
		io.WriteString(tc, "x")
		if _, err := io.ReadFull(tc, make([]byte, 1)); err != nil {
			t.Fatalf("echo behind a header of length %d: %v", length, err)
		}
		waitLogged(t, ta, "peer="+client)
	}
	client := &http.Client{Timeout: ioWait}
	defer client.CloseIdleConnections()

	echo("203.0.113.1:1", 4096)
	scrapeMetrics(t, client, ta.AdminAddr)
	runtime.GC()
	before := takeBaseline(t, func() int { return ta.tlsLn.Active() })

	tc := dial(v2HeaderOfLength(t, "203.0.113.2:2", ta.tlsLn.Addr(), 5*1024))
	err := tc.HandshakeContext(context.Background())
	if err == nil {
		_, err = tc.Read(make([]byte, 1))
	}
	tc.Close()
	if err == nil || strings.Contains(err.Error(), "timeout") {
		t.Fatalf("a 5 KiB header: %v, want the connection closed at once", err)
	}
	t.Logf("the client with a 5 KiB header sees: %v", err)
	line := waitLogged(t, ta, "4096 bytes")
	if !strings.Contains(line, "PROXY protocol v2 header") || !strings.Contains(line, "5120") {
		t.Errorf("the refusal's line does not say what was too long: %s", line)
	}
	waitMetrics(t, client, ta.AdminAddr,
		`tlsecho_proxy_headers_total{listener="tls",outcome="refused"} 1`,
		`tlsecho_proxy_headers_total{listener="tls",outcome="client"} 1`,
		`tlsecho_tls_handshake_failures_total{listener="tls"} 1`,
	)
	before.wait(t)

	echo("203.0.113.3:3", 4096)
}
