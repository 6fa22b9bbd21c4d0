package main

import (
	"context"
	"sync/atomic"
)

// turn lets a loader's clients start an echo (or, with -handshakes, a
// connection) only while it is on. compare runs the loads of both servers
// at once, each with its turn, and switches the load from one server to
// the other every slice, so that both meet the machine in the same state.
type turn struct {
	on atomic.Pointer[chan struct{}] // closed while the turn is on
}

func newTurn() *turn {
	t := &turn{}
	ch := make(chan struct{})
	t.on.Store(&ch)
	return t
}

// wait returns true once the turn is on, false when ctx ends first. A
// nil turn is always on.
func (t *turn) wait(ctx context.Context) bool {
	if t == nil {
		return ctx.Err() == nil
	}
	select {
	case <-*t.on.Load():
		return true
	case <-ctx.Done():
		return false
	}
}

// start turns it on. Only one goroutine may start and stop a turn.
func (t *turn) start() { close(*t.on.Load()) }

// stop turns it off: echoes under way finish, no new one starts.
func (t *turn) stop() {
	ch := make(chan struct{})
	t.on.Store(&ch)
}
