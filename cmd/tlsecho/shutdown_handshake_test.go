package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestShutdownTimeoutCutsHandshakes: with a shutdown timeout shorter than
// the second that handshakes in flight get when the listeners close, a
// client that opened TCP to the raw TLS port and never sent its
// ClientHello does not hold the drain past the timeout: the drain used to
// wait for that grace, and the process exited up to a second late. The
// handshake is cut when the timeout runs out, and the log says so.
func TestShutdownTimeoutCutsHandshakes(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SHUTDOWN_TIMEOUT": "300ms"})
	stuck, err := net.Dial("tcp", ta.TLSAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer stuck.Close()
	deadline := time.Now().Add(ioWait)
	for ta.tlsLn.Active() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the connection was not accepted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	ta.Stop(t)
	const want = "no handshake before the shutdown's time ran out"
	if log := ta.Log.String(); !strings.Contains(log, want) {
		t.Errorf("the log does not say %q:\n%s", want, log)
	}
}

// TestShutdownTimeoutCutsPageHandshakes: the same on the HTTPS port, and
// on the plain HTTP port in its PROXY header stage. net/http's Shutdown
// waits for Serve to return before it looks at its deadline, and Serve
// for the listener's Accept to fail, which such a client held for the
// listener's grace: with a 300 ms timeout the process exited after a
// second.
func TestShutdownTimeoutCutsPageHandshakes(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"SHUTDOWN_TIMEOUT": "300ms", "HTTP_ADDR": "127.0.0.1:0", "PROXY_PROTOCOL": "require"})
	for _, addr := range []string{ta.HTTPSAddr, ta.HTTPAddr} {
		stuck, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer stuck.Close()
	}
	deadline := time.Now().Add(ioWait)
	for ta.httpsLn.Active() != 1 || ta.plainLn.Active() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the connections were not accepted")
		}
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	ta.Stop(t)
	// The listeners' grace is a second; the timeout, 300 ms.
	if took := time.Since(start); took >= 900*time.Millisecond {
		t.Errorf("stopped %v after the signal, with a shutdown timeout of 300ms", took)
	}
}
