package main

import (
	"context"
	"testing"
	"time"
)

// TestTurnHoldsClients checks that a loader's clients echo only while
// its turn is on, as compare's slices need: none while it is off but the
// echoes under way when it went off, and all of them again once it is
// back on.
func TestTurnHoldsClients(t *testing.T) {
	tlsURL, _, caFile, stop := servers(t)
	defer stop()
	const conns = 4
	o, err := parse([]string{"-c", "4", "-d", "1h", "-warmup", "0", "-progress", "0", "-ca", caFile, "-size", "64", tlsURL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	o.turn = newTurn()
	l, err := newLoader(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *result, 1)
	go func() { done <- l.run(ctx, nil) }()
	defer func() {
		cancel()
		if res := <-done; res.errors > 0 || res.mismatches > 0 {
			t.Errorf("%d errors (%v), %d mismatches", res.errors, res.firstErr, res.mismatches)
		}
	}()
	select {
	case <-l.ready:
	case <-time.After(30 * time.Second):
		t.Fatal("clients not connected within 30s")
	}
	// Each client echoed once as it connected, before the turn.
	if n := l.messages.Load(); n != conns {
		t.Fatalf("%d echoes before the turn, want %d", n, conns)
	}
	on := func(want int64) {
		t.Helper()
		o.turn.start()
		deadline := time.Now().Add(30 * time.Second)
		for l.messages.Load() < want {
			if time.Now().After(deadline) {
				t.Fatalf("%d echoes 30s into the turn, want %d", l.messages.Load(), want)
			}
			time.Sleep(time.Millisecond)
		}
		o.turn.stop()
	}
	on(conns + 100)
	off := l.messages.Load()
	// What is seen over a while with the turn off: at most the echo each
	// client had under way.
	time.Sleep(200 * time.Millisecond)
	if n := l.messages.Load(); n > off+conns {
		t.Fatalf("%d echoes with the turn off, at most %d were under way", n-off, conns)
	}
	on(l.messages.Load() + 100)
}
