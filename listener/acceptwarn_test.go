package listener_test

import (
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
)

// starvedListener fails every other accept with EMFILE, as a process out
// of descriptors does when each connection that ends frees the one
// descriptor the next accept takes.
type starvedListener struct {
	net.Listener
	calls atomic.Int32
}

func (l *starvedListener) Accept() (net.Conn, error) {
	if l.calls.Add(1)%2 == 1 {
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestAcceptWarningsBounded: out of descriptors, every connection a client
// opens is followed by a failed accept; the warnings do not come at the
// clients' pace but once per window, the first at once.
func TestAcceptWarningsBounded(t *testing.T) {
	t.Parallel()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &testlog.Buffer{}
	l := listener.New(&starvedListener{Listener: tcp}, tlsOptions(t, listener.Options{
		Name:   "tls",
		Logger: slog.New(slog.NewJSONHandler(logs, nil)),
	}))
	got := acceptAll(t, l)
	const conns = 20
	for range conns {
		if _, err := dialTLS(t, l.Addr().String(), clientConfig(t)); err != nil {
			t.Fatal(err)
		}
		if a := next(t, got); a.err != nil {
			t.Fatalf("Accept: %v", a.err)
		}
	}
	warns := logs.Records(t, "accept failed; retrying")
	// One, unless this test took longer than a window on a loaded machine.
	if len(warns) == 0 || len(warns) > 3 {
		t.Fatalf("%d accept warnings for %d failed accepts, want 1 to 3:\n%s", len(warns), conns, logs)
	}
	if w := warns[0]; w["failures"] != 1.0 || w["listener"] != "tls" || !strings.Contains(w["err"].(string), "too many open files") {
		t.Errorf("first warning: %v", w)
	}
}
