package listener_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestCloseHandsOverLateDelivery: a connection whose handshake was done
// before Close, but whose hand-over to Accept comes only after the grace
// has ended (its goroutine held up: here in the Handshake hook, on a busy
// machine by the scheduler), goes to the Accept waiting for it, not to
// the bin. The hand-over used to choose at random between that Accept and
// the grace's end, and closed about one such connection in four.
func TestCloseHandsOverLateDelivery(t *testing.T) {
	t.Parallel()
	const n = 16
	held, release := make(chan struct{}, n), make(chan struct{})
	var releaseOnce sync.Once
	let := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(let)
	l := listen(t, tlsOptions(t, listener.Options{
		HandshakeTimeout: time.Minute,
		Hooks: &listener.Hooks{Handshake: func(_ *listener.Conn, h listener.Handshake) {
			if h.Err == nil {
				held <- struct{}{}
				<-release
			}
		}},
	}))
	// One Accept for each connection, every one waiting from before
	// Close: a connection handed over finds one.
	got := make(chan accepted, n)
	for range n {
		go func() {
			c, err := l.Accept()
			got <- accepted{c, err}
		}()
	}
	silent, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	for range n {
		if _, err := dialTLS(t, l.Addr().String(), clientConfig(t)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		select {
		case <-held:
		case <-time.After(ioTimeout):
			t.Fatalf("%d of %d handshakes done on the server's side", i, n)
		}
	}

	l.Close()
	// The silent client is dropped when the grace ends.
	silent.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := silent.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("silent client: read after Close: %v, want EOF at the grace's end", err)
	}
	let()
	lost := 0
	for range n {
		a := next(t, got)
		if a.err != nil {
			lost++
			continue
		}
		a.c.Close()
	}
	if lost > 0 {
		t.Errorf("%d of %d connections handshaken before Close were closed, not handed to the Accept waiting for them", lost, n)
	}
}
