package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/certs"
)

// clientTLS is the TLS configuration of every client. It verifies the
// server's certificate against the system roots plus -ca unless -insecure:
// a load test that accepts any certificate cannot tell a broken
// certificate set-up from a working one.
//
// The client offers X25519 only. Go's default, the X25519MLKEM768 hybrid,
// costs the server about 30% more per handshake; pinning one group keeps
// handshake figures comparable between runs, servers and Go versions.
func clientTLS(o *options) (*tls.Config, error) {
	cfg := &tls.Config{
		InsecureSkipVerify: o.insecure,
		CurvePreferences:   []tls.CurveID{tls.X25519},
		// Full handshakes only: no session cache, so no resumption.
		ClientSessionCache: nil,
	}
	if o.caFile != "" {
		roots, err := x509.SystemCertPool()
		if err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
		data, err := os.ReadFile(o.caFile)
		if err != nil {
			return nil, fmt.Errorf("-ca: %w", err)
		}
		// AppendCertsFromPEM passes over a block cut short or corrupt.
		if n, blocks := certs.PEMBlocks(data); n < blocks {
			return nil, fmt.Errorf("-ca %s: only %d of the %d PEM blocks decode (cut short or corrupt)", o.caFile, n, blocks)
		}
		if !roots.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("-ca %s: no PEM certificate found", o.caFile)
		}
		cfg.RootCAs = roots
	}
	return cfg, nil
}

// countingConn is the socket under a raw TLS client, counting the bytes
// read from it: crypto/tls reports the end of a connection as io.EOF
// whether close_notify came before the FIN or not, and only the bytes
// that arrived tell the two apart (see tlsEchoer.close). Only the
// client's own goroutine reads.
type countingConn struct {
	net.Conn
	read int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read += int64(n)
	return n, err
}

// dialer connects clients to one target.
type dialer struct {
	target  *url.URL
	tls     *tls.Config
	timeout time.Duration
	// net makes the TCP connections: loopback only unless -remote
	// (netDialer).
	net *net.Dialer
	// wsBufs is shared by every WebSocket client to one target: a buffer
	// is taken only while a message is being written, so thousands of
	// idle clients do not each hold one.
	wsBufs *sync.Pool
}

func newDialer(target *url.URL, cfg *tls.Config, timeout time.Duration, remote bool) *dialer {
	cfg = cfg.Clone()
	cfg.ServerName = target.Hostname()
	return &dialer{target: target, tls: cfg, timeout: timeout, net: netDialer(timeout, remote), wsBufs: &sync.Pool{}}
}

// dial connects and completes the TLS (and WebSocket) handshake, bounded
// by the timeout and by ctx.
func (d *dialer) dial(ctx context.Context) (echoer, error) {
	if d.target.Scheme == "tls" {
		// Bounded as tls.Dialer bounds it: the timeout covers the TCP
		// connect and the handshake together.
		ctx, cancel := context.WithTimeout(ctx, d.timeout)
		defer cancel()
		nc, err := d.net.DialContext(ctx, "tcp", d.target.Host)
		if err != nil {
			return nil, err
		}
		raw := &countingConn{Conn: nc}
		c := tls.Client(raw, d.tls)
		if err := c.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, err
		}
		return &tlsEchoer{c: c, raw: raw, timeout: d.timeout}, nil
	}
	wd := websocket.Dialer{
		TLSClientConfig:  d.tls,
		HandshakeTimeout: d.timeout,
		WriteBufferPool:  d.wsBufs,
		NetDialContext:   d.net.DialContext,
	}
	c, resp, err := wd.DialContext(ctx, d.target.String(), nil)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("%w (HTTP %s)", err, resp.Status)
		}
		return nil, err
	}
	return &wsEchoer{c: c, timeout: d.timeout}, nil
}
