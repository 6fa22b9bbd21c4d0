package fault

import (
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestDelayQueueBudget shows the queue's bound: while the sender is stuck
// a push over the budget waits, and goes on once bytes are sent.
func TestDelayQueueBudget(t *testing.T) {
	checkLeaks(t)
	release := make(chan struct{})
	sending := make(chan []byte, 8)
	q := newDelayQueue(10, func(it queued) error {
		sending <- it.data
		<-release
		return nil
	}, nil, nil)
	four := []byte("abcd")
	q.push(queued{data: four})
	<-sending // the sender holds the first 4 bytes
	q.push(queued{data: four})
	pushed := make(chan error)
	go func() { pushed <- q.push(queued{data: four}) }()
	select {
	case err := <-pushed:
		t.Fatalf("a push over the budget returned at once (%v)", err)
	case <-time.After(100 * time.Millisecond):
		// Still waiting, as it should while 8 of 10 bytes are held.
	}
	release <- struct{}{}
	if err := <-pushed; err != nil {
		t.Fatalf("push after room was made: %v", err)
	}
	close(release)
	if err := q.finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	if n := len(sending); n != 2 {
		t.Fatalf("%d more echoes sent, want 2", n)
	}
}

// TestDelayQueueStop: a sender error reaches the pusher, and stop drops
// what is queued without waiting for its time.
func TestDelayQueueStop(t *testing.T) {
	checkLeaks(t)
	boom := errors.New("boom")
	q := newDelayQueue(1<<10, func(it queued) error { return boom }, nil, nil)
	q.push(queued{data: []byte("x")})
	var err error
	for err == nil {
		err = q.push(queued{data: []byte("y")})
	}
	if !errors.Is(err, boom) {
		t.Fatalf("push after the sender failed: %v, want boom", err)
	}
	if err := q.finish(); !errors.Is(err, boom) {
		t.Fatalf("finish: %v", err)
	}

	q = newDelayQueue(1<<10, func(queued) error { return nil }, nil, nil)
	q.push(queued{data: []byte("later"), due: time.Now().Add(time.Hour)})
	start := time.Now()
	q.stop()
	if time.Since(start) > 5*time.Second {
		t.Fatal("stop waited for a held echo")
	}
}

// TestDelayQueueResetWhileFull: a push waiting for room ends with a reset
// once the client has reset the connection, without waiting for the held
// echo's time: the reader has stopped reading, and only this notices.
func TestDelayQueueResetWhileFull(t *testing.T) {
	checkLeaks(t)
	var reset atomic.Bool
	looked := make(chan struct{}, 1)
	q := newDelayQueue(4, func(queued) error { return nil }, func() bool {
		select {
		case looked <- struct{}{}:
		default:
		}
		return reset.Load()
	}, nil)
	if err := q.push(queued{data: []byte("abcd"), due: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	pushed := make(chan error, 1)
	go func() { pushed <- q.push(queued{data: []byte("e"), due: time.Now().Add(time.Hour)}) }()
	select {
	case <-looked: // the waiting push asks; no reset yet
	case err := <-pushed:
		t.Fatalf("push returned with the queue full and no reset: %v", err)
	case <-time.After(10 * resetLook):
		q.stop()
		t.Fatal("the waiting push never asked whether the client reset")
	}
	select {
	case err := <-pushed:
		t.Fatalf("push returned with the queue full and no reset: %v", err)
	default:
	}
	reset.Store(true)
	select {
	case err := <-pushed:
		if !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("push after the reset: %v, want a reset", err)
		}
	case <-time.After(10 * resetLook):
		t.Fatal("push still waits after the client reset")
	}
	q.stop()
}

// TestDelayQueueReleases: each item's bytes are given back once it is
// sent, and those of the items left once the queue stops: the one
// waiting for its time and those behind it.
func TestDelayQueueReleases(t *testing.T) {
	checkLeaks(t)
	b := NewBudget(1 << 10)
	sent := make(chan struct{}, 1)
	q := newDelayQueue(1<<10, func(queued) error { sent <- struct{}{}; return nil }, nil, b.Release)
	push := func(n int, due time.Time) {
		t.Helper()
		if !b.TryAcquire(n) {
			t.Fatalf("%d bytes refused", n)
		}
		if err := q.push(queued{data: make([]byte, n), due: due}); err != nil {
			t.Fatal(err)
		}
	}
	push(10, time.Time{})
	<-sent
	push(20, time.Now().Add(time.Hour))
	push(30, time.Now().Add(time.Hour))
	// The sender takes the first out of the queue to wait for its time:
	// stop must meet it there, not before it is taken.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		q.mu.Lock()
		left := len(q.items)
		q.mu.Unlock()
		if left == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d items still queued, want the first taken to wait", left)
		}
	}
	q.stop()
	if n := b.InUse(); n != 0 {
		t.Errorf("%d bytes in use once the queue stopped, want 0", n)
	}
}

// TestDelayQueueTakesOneOverBudget: an empty queue takes one echo larger
// than its whole budget (a /ws message over 1 MiB under delay), which
// would otherwise wait for room that never comes.
func TestDelayQueueTakesOneOverBudget(t *testing.T) {
	checkLeaks(t)
	sent := make(chan int, 1)
	q := newDelayQueue(10, func(it queued) error {
		sent <- len(it.data)
		return nil
	}, nil, nil)
	pushed := make(chan error, 1)
	go func() { pushed <- q.push(queued{data: make([]byte, 20)}) }()
	select {
	case err := <-pushed:
		if err != nil {
			t.Fatalf("push: %v", err)
		}
	case <-time.After(5 * time.Second):
		q.stop()
		t.Fatal("a 20-byte echo waits for room in an empty queue of 10")
	}
	if err := q.finish(); err != nil {
		t.Fatalf("finish: %v", err)
	}
	if n := <-sent; n != 20 {
		t.Fatalf("sent %d bytes, want 20", n)
	}
}
