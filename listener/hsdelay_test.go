package listener_test

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/listener"
)

// TestHSDelayThenAlert: with hsdelay and alert together, the alert
// follows the delay at once. The watch for a client leaving during the
// delay ends with the delay: it waits on the socket, and while it waits
// no read of the socket can start, so an alert that reads the ClientHello
// from it (a listener that does not capture hellos) would be sent only at
// the handshake deadline, a minute here.
func TestHSDelayThenAlert(t *testing.T) {
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
			t.Parallel()
			handshakes := make(chan listener.Handshake, 1)
			l := listen(t, tlsOptions(t, listener.Options{
				Name:             fault.ListenerTLS,
				HandshakeTimeout: time.Minute,
				CaptureHello:     capture,
				Faults:           in,
				Hooks:            &listener.Hooks{Handshake: func(_ *listener.Conn, h listener.Handshake) { handshakes <- h }},
			}))
			acceptAll(t, l)
			if _, err := in.Arm(fault.ListenerTLS, "hsdelay:50ms,alert:access_denied", 1); err != nil {
				t.Fatal(err)
			}
			nc, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			// Well within the handshake deadline of a minute.
			nc.SetDeadline(time.Now().Add(ioTimeout))
			err = tls.Client(nc, clientConfig(t)).Handshake()
			if err == nil || !strings.Contains(err.Error(), "access denied") {
				t.Fatalf("handshake: %v, want the access_denied alert", err)
			}
			nc.Close()
			select {
			case h := <-handshakes:
				if !errors.Is(h.Err, fault.ErrAlertSent) {
					t.Fatalf("outcome %v, want the alert", h.Err)
				}
			case <-time.After(ioTimeout):
				t.Fatal("no handshake outcome")
			}
		})
	}
}
