package listener_test

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestMaxConnsRefusesOnlyTheExtra fills MaxConns on a plain listener and
// checks that one more connection is closed at once and counted, that the
// others still work, and that a slot freed by Close (called twice) is
// freed once and taken by the next client.
func TestMaxConnsRefusesOnlyTheExtra(t *testing.T) {
	t.Parallel()
	const maxConns = 3
	var mu sync.Mutex
	var refused []string
	l := listen(t, listener.Options{Name: "admin", MaxConns: maxConns, Hooks: &listener.Hooks{
		Refused: func(name string) {
			mu.Lock()
			refused = append(refused, name)
			mu.Unlock()
		},
	}})
	got := acceptAll(t, l)

	var clients []net.Conn
	var served []net.Conn
	for i := range maxConns {
		c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		clients = append(clients, c)
		a := next(t, got)
		if a.err != nil {
			t.Fatalf("Accept %d: %v", i, a.err)
		}
		served = append(served, a.c)
	}

	extra, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	start := time.Now()
	extra.SetReadDeadline(start.Add(5 * time.Second))
	if n, err := extra.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("connection %d: read %d bytes, %v; want it closed (EOF)", maxConns+1, n, err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("extra connection closed after %v, want at once", took)
	}
	mu.Lock()
	if fmt.Sprint(refused) != "[admin]" {
		t.Errorf("Refused called with %v, want [admin]", refused)
	}
	mu.Unlock()

	for i, c := range clients {
		msg := fmt.Sprintf("client %d", i)
		io.WriteString(c, msg)
		buf := make([]byte, len(msg))
		served[i].SetReadDeadline(time.Now().Add(ioTimeout))
		if _, err := io.ReadFull(served[i], buf); err != nil || string(buf) != msg {
			t.Errorf("client %d after the refusal: %q, %v", i, buf, err)
		}
	}

	served[0].Close()
	served[0].Close()
	if n := l.Active(); n != maxConns-1 {
		t.Fatalf("Active = %d after one connection closed twice, want %d", n, maxConns-1)
	}
	c, err := net.DialTimeout("tcp", l.Addr().String(), ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if a := next(t, got); a.err != nil {
		t.Fatalf("Accept of the client taking the free slot: %v", a.err)
	}
}
