package listener_test

import (
	"io"
	"net"
	"testing"
	"time"
)

// TestLimitEndLoggedOnce: once the connection limit has refused a
// client, the next accepted connection logs that the limit is no longer
// reached, once: the connections accepted after it log nothing more.
func TestLimitEndLoggedOnce(t *testing.T) {
	t.Parallel()
	l, logs, _ := refusingListener(t)
	got := acceptAll(t, l)
	dialServed := func() net.Conn {
		t.Helper()
		c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		a := next(t, got)
		if a.err != nil {
			t.Fatalf("Accept: %v", a.err)
		}
		return a.c
	}
	held := dialServed()
	extra, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := extra.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("the connection over the limit: read %v, want EOF", err)
	}
	held.Close()
	for range 3 {
		waitFor(t, ioTimeout, "the slot free", func() bool { return l.Active() == 0 })
		dialServed().Close()
	}
	if recs := logs.Records(t, limitInfo); len(recs) != 1 {
		t.Errorf("%d records %q for one end of the limit, want 1:\n%s", len(recs), limitInfo, logs)
	}
}
