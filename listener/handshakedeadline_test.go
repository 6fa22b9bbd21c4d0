package listener_test

import (
	"io"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestHandshakeDeadlineEndsWithTheHandshake checks that the one deadline
// of the stages and the handshake is not left on the socket of a
// connection handed out: a server that sets no deadline of its own (as
// the raw TLS echo between its waits, or a handler's write) must still
// read and write once HandshakeTimeout has passed since the accept.
func TestHandshakeDeadlineEndsWithTheHandshake(t *testing.T) {
	t.Parallel()
	// Long enough for a handshake on a loaded machine under -race: at
	// 200 ms one was cut (the client saw a reset) before the check began.
	const timeout = 2 * time.Second
	l := listen(t, tlsOptions(t, listener.Options{HandshakeTimeout: timeout}))
	ch := acceptAll(t, l)
	dialed := time.Now()
	c, err := dialTLS(t, l.Addr().String(), clientConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	a := next(t, ch)
	if a.err != nil {
		t.Fatal(a.err)
	}
	// Past the handshake deadline, by a margin: what is being checked is
	// that it no longer applies.
	time.Sleep(time.Until(dialed.Add(timeout + timeout/4)))
	if _, err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, 4)
	if _, err := io.ReadFull(a.c, got); err != nil {
		t.Fatalf("server read after HandshakeTimeout: %v", err)
	}
	if _, err := a.c.Write([]byte("pong")); err != nil {
		t.Fatalf("server write after HandshakeTimeout: %v", err)
	}
	if _, err := io.ReadFull(c, got); err != nil || string(got) != "pong" {
		t.Fatalf("client read: %q, %v", got, err)
	}
}
