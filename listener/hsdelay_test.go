package listener_test

import (
	"crypto/tls"
	"errors"
	"log/slog"
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

// TestHSDelayCutByShutdown: an hsdelay the server's shutdown cuts short
// is logged as that, the ClientHello not answered because the server is
// shutting down, not as a bare "context canceled".
func TestHSDelayCutByShutdown(t *testing.T) {
	t.Parallel()
	applied := make(chan string, 1)
	in, err := fault.New(fault.Options{HandshakeTimeout: time.Minute,
		Logger: slog.New(slog.NewTextHandler(lineWriter(applied), &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	l := listen(t, tlsOptions(t, listener.Options{
		Name:             fault.ListenerTLS,
		HandshakeTimeout: time.Minute,
		Faults:           in,
		Logger:           slog.New(slog.NewTextHandler(lineWriter(lines), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	acceptAll(t, l)
	if _, err := in.Arm(fault.ListenerTLS, "hsdelay:50s", 1); err != nil {
		t.Fatal(err)
	}
	nc, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(ioTimeout))
	handshake := make(chan error, 1)
	go func() { handshake <- tls.Client(nc, clientConfig(t)).Handshake() }()
	select {
	case line := <-applied:
		if !strings.Contains(line, "hsdelay:50s") {
			t.Fatalf("fault log %q, want hsdelay applied", line)
		}
	case <-time.After(ioTimeout):
		t.Fatal("hsdelay never applied")
	}
	// As the server's shutdown does.
	l.Close()
	var line string
	deadline := time.After(ioTimeout)
	for !strings.Contains(line, "handshake failed") {
		select {
		case line = <-lines:
		case <-deadline:
			t.Fatal("no handshake failed line after the close")
		}
	}
	if !strings.Contains(line, "ClientHello not answered: the server is shutting down") || strings.Contains(line, "context canceled") {
		t.Errorf("log line %q, want the ClientHello not answered because the server is shutting down", line)
	}
	select {
	case err := <-handshake:
		if err == nil {
			t.Error("the handshake completed after the listener closed")
		}
	case <-time.After(ioTimeout):
		t.Fatal("the client's handshake still waits after the listener closed")
	}
}

// TestHSDelayCutByHandshakeTimeout: an hsdelay that outlasts the
// handshake timeout is logged as cut short by that timeout, not as a bare
// "context deadline exceeded".
func TestHSDelayCutByHandshakeTimeout(t *testing.T) {
	t.Parallel()
	// The fault package checks a delay against its own timeout; the
	// listener's, which ends the delay, is shorter.
	in, err := fault.New(fault.Options{HandshakeTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 10)
	l := listen(t, tlsOptions(t, listener.Options{
		Name:             fault.ListenerTLS,
		HandshakeTimeout: time.Second,
		Faults:           in,
		Logger:           slog.New(slog.NewTextHandler(lineWriter(lines), &slog.HandlerOptions{Level: slog.LevelDebug})),
	}))
	acceptAll(t, l)
	if _, err := in.Arm(fault.ListenerTLS, "hsdelay:50s", 1); err != nil {
		t.Fatal(err)
	}
	nc, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(ioTimeout))
	go tls.Client(nc, clientConfig(t)).Handshake()
	var line string
	deadline := time.After(ioTimeout)
	for !strings.Contains(line, "handshake failed") {
		select {
		case line = <-lines:
		case <-deadline:
			t.Fatal("no handshake failed line")
		}
	}
	if !strings.Contains(line, "ClientHello not answered: the handshake timeout (1s) passed") {
		t.Errorf("log line %q, want the ClientHello not answered because the handshake timeout passed", line)
	}
}

// lineWriter is an io.Writer for a slog handler that sends each record's
// line on lines, without blocking.
type lineWriter chan<- string

func (w lineWriter) Write(p []byte) (int, error) {
	select {
	case w <- string(p):
	default:
	}
	return len(p), nil
}
