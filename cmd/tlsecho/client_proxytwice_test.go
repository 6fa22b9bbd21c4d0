package main

import (
	"io"
	"net"
	"sync"
	"testing"

	"github.com/pires/go-proxyproto"
)

// headerRelay is a load balancer in TCP mode on loopback: each connection
// to it is relayed to target behind a PROXY v2 header naming its client,
// as HAProxy's send-proxy-v2 does. It returns the relay's address.
func headerRelay(t *testing.T, target string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var relays sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		relays.Wait()
	})
	relays.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			relays.Go(func() {
				defer c.Close()
				s, err := net.DialTimeout("tcp", target, ioWait)
				if err != nil {
					return
				}
				defer s.Close()
				if _, err := proxyproto.HeaderProxyFromAddrs(2, c.RemoteAddr(), c.LocalAddr()).WriteTo(s); err != nil {
					return
				}
				relays.Go(func() {
					io.Copy(s, c)
					s.(*net.TCPConn).CloseWrite()
				})
				io.Copy(c, s)
				c.Close()
			})
		}
	})
	return ln.Addr().String()
}

// TestClientProxyThroughBalancer: tlsecho client -proxy-v2 sent through a
// balancer that sends its own header reaches the server with two, and
// the server closes before answering the ClientHello. The client's
// message names that case beside the others, rather than only a server
// that expects no header or does not trust the client.
func TestClientProxyThroughBalancer(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"})
	relay := headerRelay(t, ta.TLSAddr)
	// Through the balancer without -proxy-v2: served.
	runClient(t, "", "-insecure", "tls://"+relay, "hello").want(t, exitOK, []string{"hello"}, nil)
	runClient(t, "", "-insecure", "-proxy-v2", "tls://"+relay, "hello").want(t, exitFailure, nil, []string{
		"closed the connection before answering the ClientHello that followed the PROXY header of -proxy-v2",
		"through a load balancer that sends its own header"})
}
