package main

import (
	"crypto/tls"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testmain"
)

// TestHostileHTTPClientsLeaveNoTrace: every HTTP listener (HTTPS, plain
// HTTP, admin) is filled to TLSECHO_MAX_CONNS with silent clients while
// the others, admin health checks and the raw TLS echo, keep answering;
// then each takes slow, silent and idle clients, oversized headers, an
// HTTP/2 preface and a request that carries both Content-Length and
// Transfer-Encoding, all at once. Each is ended within the settings, and
// afterwards goroutines and descriptors are back where they were.
func TestHostileHTTPClientsLeaveNoTrace(t *testing.T) {
	// A process of its own: the baseline below is the process's, and
	// this test's waits do not hold up the parallel tests.
	if !testmain.Alone(t) {
		return
	}
	const maxConns = 50
	const handshakeTimeout = time.Second
	// IDLE_TIMEOUT above HANDSHAKE_TIMEOUT, as with the defaults: an
	// answer's write deadline then outlasts the time its request may take.
	ta := startApp(t, map[string]string{"HANDSHAKE_TIMEOUT": handshakeTimeout.String(), "IDLE_TIMEOUT": "2s", "HTTP_ADDR": "127.0.0.1:0", "MAX_CONNS": "50"})
	ports := []struct {
		name string
		dial func() (net.Conn, error)
	}{
		{"https", func() (net.Conn, error) { return tls.Dial("tcp", ta.HTTPSAddr, ta.clientTLS()) }},
		{"http", func() (net.Conn, error) { return net.Dial("tcp", ta.HTTPAddr) }},
		{"admin", func() (net.Conn, error) { return net.Dial("tcp", ta.AdminAddr) }},
	}
	adminDial := ports[2].dial
	healthy(t, adminDial)
	ta.echoOnce(t, ta.clientTLS(), "before")
	runtime.GC()
	goroutines, fds := runtime.NumGoroutine(), countFDs(t)

	// The page ports full: each listener has its own limit, so probes
	// and raw TLS clients do not notice.
	var flood []net.Conn
	for _, addr := range []string{ta.HTTPSAddr, ta.HTTPAddr} {
		for range maxConns + 5 {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			flood = append(flood, c)
		}
	}
	healthy(t, adminDial)
	ta.echoOnce(t, ta.clientTLS(), "while the page ports are full")
	for _, c := range flood {
		c.Close()
	}
	// The server frees a slot when it sees its client go; the clients
	// below need them.
	for deadline := time.Now().Add(ioWait); ta.httpsLn.Active()+ta.plainLn.Active() > 0; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("slots still held after the clients closed: https %d, http %d", ta.httpsLn.Active(), ta.plainLn.Active())
		}
	}

	hostile := []hostileClient{
		{"HTTP/2 preface", ioWait, func(c net.Conn) {
			io.WriteString(c, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
		}},
		{"Content-Length and Transfer-Encoding", ioWait, func(c net.Conn) {
			io.WriteString(c, "POST /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"+
				"0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
		}},
	}
	hostile = append(hostile, adminTimeoutTests...)
	for _, tt := range headerLimitTests {
		hostile = append(hostile, hostileClient{tt.name, ioWait, func(c net.Conn) { io.WriteString(c, tt.request("localhost")) }})
	}
	// One handshake at a time: dozens at once under -race on a loaded
	// machine could take longer than the 1s TLSECHO_HANDSHAKE_TIMEOUT.
	var wg sync.WaitGroup
	var dialing sync.Mutex
	for _, port := range ports {
		for _, tt := range hostile {
			for range 3 {
				wg.Go(func() {
					dialing.Lock()
					c, err := dialPatiently(port.dial, handshakeTimeout)
					dialing.Unlock()
					if err != nil {
						t.Errorf("%s, %s: %v", port.name, tt.name, err)
						return
					}
					defer c.Close()
					start := time.Now()
					go tt.hold(c)
					c.SetReadDeadline(start.Add(tt.within))
					if _, err := io.Copy(io.Discard, c); err != nil && !strings.Contains(err.Error(), "reset") {
						t.Errorf("%s, %s: still open %v after it began: %v", port.name, tt.name, time.Since(start).Round(time.Millisecond), err)
					}
				})
			}
		}
	}
	healthy(t, adminDial)
	wg.Wait()

	waitBaseline(t, goroutines, fds)
	for _, port := range ports {
		healthy(t, port.dial)
	}
	ta.echoOnce(t, ta.clientTLS(), "after")
}

// dialPatiently dials, and dials again when an attempt failed no sooner
// than the server's handshake timeout: the hostile clients already
// connected share the test's cores with the next handshake, and under
// -race on a loaded machine it can take longer than the short timeout
// these tests set, which the server then rightly ends (the client sees
// EOF). A dial that fails sooner is a failure, and so is a third in a row.
func dialPatiently(dial func() (net.Conn, error), handshakeTimeout time.Duration) (net.Conn, error) {
	for attempt := 1; ; attempt++ {
		start := time.Now()
		c, err := dial()
		if err == nil || time.Since(start) < handshakeTimeout || attempt == 3 {
			return c, err
		}
	}
}
