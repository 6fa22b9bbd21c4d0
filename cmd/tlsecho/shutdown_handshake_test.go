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
