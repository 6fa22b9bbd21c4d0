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

// TestHSDelayCutShort: an hsdelay cut short is logged with why, the
// ClientHello not answered because the server is shutting down or the
// handshake timeout passed, not as a bare "context canceled" or "context
// deadline exceeded"; the client's handshake fails at once.
func TestHSDelayCutShort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// handshakeTimeout is the listener's; the fault package checks
		// the delay against a minute of its own.
		handshakeTimeout time.Duration
		// cut ends the delay, if the timeout does not.
		cut  func(l *listener.Listener)
		want string
	}{
		{"by the shutdown", time.Minute, func(l *listener.Listener) { l.Close() }, // as the server's shutdown does
			"ClientHello not answered: the server is shutting down"},
		{"by the handshake timeout", time.Second, func(*listener.Listener) {},
			"ClientHello not answered: the handshake timeout (1s) passed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The fault package's log: "faults armed" at Arm, then "fault
			// applied" once the connection's delay has begun.
			applied := make(chan string, 10)
			in, err := fault.New(fault.Options{HandshakeTimeout: time.Minute,
				Logger: slog.New(slog.NewTextHandler(lineWriter(applied), &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			lines := make(chan string, 10)
			l := listen(t, tlsOptions(t, listener.Options{
				Name:             fault.ListenerTLS,
				HandshakeTimeout: tt.handshakeTimeout,
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
			// Cut only once the delay holds the connection: "faults armed"
			// names the spec too, and closing the listener before it
			// has taken the connection cuts no delay at all.
			for waitApplied := time.After(ioTimeout); ; {
				var line string
				select {
				case line = <-applied:
				case <-waitApplied:
					t.Fatal("hsdelay never applied")
				}
				if strings.Contains(line, "fault applied") {
					if !strings.Contains(line, "hsdelay:50s") {
						t.Fatalf("fault log %q, want hsdelay applied", line)
					}
					break
				}
			}
			tt.cut(l)
			var line string
			deadline := time.After(ioTimeout)
			for !strings.Contains(line, "handshake failed") {
				select {
				case line = <-lines:
				case <-deadline:
					t.Fatal("no handshake failed line")
				}
			}
			if !strings.Contains(line, tt.want) || strings.Contains(line, "context ") {
				t.Errorf("log line %q, want %q", line, tt.want)
			}
			select {
			case err := <-handshake:
				if err == nil {
					t.Error("the handshake completed")
				}
			case <-time.After(ioTimeout):
				t.Fatal("the client's handshake still waits after the delay was cut short")
			}
		})
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
