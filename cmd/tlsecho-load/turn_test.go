package main

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
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

// TestSliceOrder: within a round the first slice of each pair
// alternates, and over two rounds each server has the first slice of a
// pair as often as the other, and its slices as early on average, even
// with an odd number of pairs (5, compare's default): in a round alone
// one side has three of five.
func TestSliceOrder(t *testing.T) {
	if got, want := fmt.Sprint(sliceOrder(3, 0)), "[0 1 1 0 0 1]"; got != want {
		t.Errorf("sliceOrder(3, 0) = %s, want %s", got, want)
	}
	for _, n := range []int{1, 2, 5} {
		var firsts, positions [2]int
		for round := range 2 {
			order := sliceOrder(n, round)
			if len(order) != 2*n {
				t.Fatalf("sliceOrder(%d, %d) = %v: want %d slices", n, round, order, 2*n)
			}
			for k, side := range order {
				if k%2 == 0 {
					firsts[side]++
				} else if side == order[k-1] {
					t.Fatalf("sliceOrder(%d, %d) = %v: a pair gives both slices to one side", n, round, order)
				}
				positions[side] += k
			}
		}
		if firsts[0] != firsts[1] || positions[0] != positions[1] {
			t.Errorf("%d pairs over two rounds: first of a pair %v times, slice positions summing to %v; want each side alike", n, firsts, positions)
		}
	}
}

// TestSliceCounts: a slice of compare's pairs counts the echoes made and
// the server's CPU time spent while it was on, and a warm-up slice
// counts nothing. The "server" is this process (-pid of itself), one of
// whose goroutines spins, once the turn is on, until the process has
// used 60 ms more CPU time. The measured slice's CPU time must be some,
// and no more than the process used from just before that slice to just
// after it.
func TestSliceCounts(t *testing.T) {
	l := &loader{o: &options{}, probe: newProbe(os.Getpid(), "", false)}
	sd := &side{name: "test", l: l, turn: newTurn()}
	ctx := context.Background()
	cpu := func() time.Duration {
		c, _, _, err := readProc(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	var outer time.Duration
	for _, measure := range []bool{false, true} {
		done := make(chan struct{})
		var over atomic.Bool // the slice is over: stop spinning whatever the clock says
		go func() {
			defer close(done)
			if sd.turn.wait(ctx) {
				l.messages.Add(1000)
				for until := cpu() + 60*time.Millisecond; cpu() < until && !over.Load(); {
				}
			}
		}()
		c0 := cpu()
		if !sd.slice(ctx, time.Second, measure) {
			t.Fatal("slice ended early")
		}
		outer = cpu() - c0
		over.Store(true)
		<-done
	}
	if sd.err != nil || sd.n != 1000 || sd.cpu <= 0 || sd.cpu > outer {
		t.Errorf("after a warm-up slice and a measured one, each with 1000 echoes and CPU time spent: %d echoes, %v CPU (%v from just before the measured slice to just after), error %v; want 1000 echoes and some CPU, no more than that",
			sd.n, sd.cpu, outer, sd.err)
	}
}
