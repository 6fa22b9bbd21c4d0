package listener_test

import (
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// TestAlertNotTLS: an armed alert leaves plain HTTP to the handshake,
// which refuses it at once in crypto/tls's words, as without the fault,
// also on a listener that does not capture hellos (the alert reads the
// first bytes itself there). The handshake timeout is a minute, and the
// client waits far less for the close.
func TestAlertNotTLS(t *testing.T) {
	t.Parallel()
	in, err := fault.New(fault.Options{HandshakeTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for _, capture := range []bool{false, true} {
		name := "hello read by the alert"
		if capture {
			name = "hello captured"
		}
		t.Run(name, func(t *testing.T) {
			handshakes := make(chan listener.Handshake, 1)
			l := listen(t, tlsOptions(t, listener.Options{
				Name:             fault.ListenerTLS,
				HandshakeTimeout: time.Minute,
				CaptureHello:     capture,
				Faults:           in,
				Hooks:            &listener.Hooks{Handshake: func(_ *listener.Conn, h listener.Handshake) { handshakes <- h }},
			}))
			acceptAll(t, l)
			if _, err := in.Arm(fault.ListenerTLS, "alert:internal_error", 1); err != nil {
				t.Fatal(err)
			}
			nc, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			io.WriteString(nc, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
			nc.SetReadDeadline(time.Now().Add(ioTimeout))
			if got, err := io.ReadAll(nc); errors.Is(err, os.ErrDeadlineExceeded) || len(got) != 0 {
				t.Fatalf("read %q, %v; want the connection closed at once with nothing sent", got, err)
			}
			h := <-handshakes
			if errors.Is(h.Err, fault.ErrAlertSent) || h.Err == nil || !strings.Contains(h.Err.Error(), "first record does not look like a TLS handshake") {
				t.Fatalf("outcome %v, want crypto/tls's refusal of plain HTTP", h.Err)
			}
		})
	}
}
