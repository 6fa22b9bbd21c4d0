package listener_test

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
)

// TestPanicInAcceptedHook: a panic in Hooks.Accepted, which runs in the
// connection's pipeline goroutine like the stages, is kept to that
// connection as a panic in a stage is: logged, the connection closed,
// its slot freed, the listener (and the process) serving on.
func TestPanicInAcceptedHook(t *testing.T) {
	t.Parallel()
	var logs testlog.Buffer
	var first sync.Once
	l := listen(t, listener.Options{
		Name:   "http",
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)),
		Hooks: &listener.Hooks{Accepted: func(*listener.Conn) {
			first.Do(func() { panic("hook bug") })
		}},
	})
	got := acceptAll(t, l)

	bad, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	bad.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := bad.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("read after a panic in Hooks.Accepted: %v, want EOF", err)
	}
	waitFor(t, ioTimeout, "the panic logged", func() bool { return strings.Contains(logs.String(), "hook bug") })

	good, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer good.Close()
	if a := next(t, got); a.err != nil {
		t.Fatalf("after the panic: %v", a.err)
	}
	if n := l.Active(); n != 1 {
		t.Errorf("%d connections hold a slot, want 1: the one whose hook panicked kept its own", n)
	}
}
