package main

import (
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"
)

// heldWrites is a client connection whose writes after the first (the
// ClientHello) wait until release: its handshake stops once the server
// has answered the hello, for as long as the test needs. answered is
// closed at the second write, when the client has read the server's
// flight.
type heldWrites struct {
	net.Conn
	mu       sync.Mutex
	writes   int
	answered chan struct{}
	release  chan struct{}
}

func (c *heldWrites) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes++
	n := c.writes
	c.mu.Unlock()
	if n == 2 {
		close(c.answered)
		<-c.release
	}
	return c.Conn.Write(p)
}

// TestHellosTimeFollowsOrder: /hellos lists the newest handshake first,
// and its times say the same. A handshake that began before another but
// ended after it is listed first, so its time must not be the earlier
// one: a list whose first entry reads 10:00:00 and second 10:00:02 says
// the older came last.
func TestHellosTimeFollowsOrder(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	cfg := ta.clientTLS()
	begun := time.Now().Truncate(time.Second)

	// A: connected and answered, then held before its Finished.
	nc, err := net.DialTimeout("tcp", ta.TLSAddr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	held := &heldWrites{Conn: nc, answered: make(chan struct{}), release: make(chan struct{})}
	var once sync.Once
	releaseA := func() { once.Do(func() { close(held.release) }) }
	defer releaseA()
	done := make(chan error, 1)
	go func() { done <- tls.Client(held, cfg).Handshake() }()
	select {
	case <-held.answered:
	case err := <-done:
		t.Fatalf("A's handshake ended before the server answered it: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not answer A's ClientHello")
	}
	// The server took A before it answered it. /hellos shows times in
	// whole seconds: wait for the clock to pass into the next one, so
	// that B, which begins after A, begins in a later second. The
	// clock's turn is the event waited for; nothing else marks it.
	answered := time.Now()
	time.Sleep(time.Until(answered.Truncate(time.Second).Add(time.Second)))

	// B: a whole handshake, begun and ended while A waits.
	bPeer, _, err := handshake(t, ta.TLSAddr, cfg)
	if err != nil {
		t.Fatalf("B's handshake failed: %v", err)
	}
	waitHellos(t, ta, "", 1)

	// A ends now: the client leaves instead of finishing.
	aPeer := nc.LocalAddr().String()
	nc.Close()
	releaseA()
	<-done

	got := waitHellos(t, ta, "", 2)
	if len(got) != 2 || got[0].Peer != aPeer || got[1].Peer != bPeer {
		t.Fatalf("/hellos = %+v\nwant A (%s), which ended last, first, then B (%s)", got, aPeer, bPeer)
	}
	first, err1 := time.Parse(time.RFC3339, got[0].Time)
	second, err2 := time.Parse(time.RFC3339, got[1].Time)
	if err1 != nil || err2 != nil {
		t.Fatalf("times %q, %q: %v %v", got[0].Time, got[1].Time, err1, err2)
	}
	if first.Before(second) {
		t.Errorf("newest first, yet the first entry's time %s is before the second's %s", got[0].Time, got[1].Time)
	}
	// And both are times of this test's handshakes, not the zero time.
	if second.Before(begun) || first.After(time.Now()) {
		t.Errorf("times %s and %s, want both between %s and now", got[0].Time, got[1].Time, begun.Format(time.RFC3339))
	}
}
