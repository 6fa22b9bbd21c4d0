package fault

import (
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// errQueueStopped is what push returns once the sender has stopped.
var errQueueStopped = errors.New("fault: delayed echo stopped")

// errResetHeld is what push returns when the client reset the connection
// while the reader waited for room: a reset, as a read would have said.
var errResetHeld = fmt.Errorf("fault: the client reset the connection while its echoes were held: %w", syscall.ECONNRESET)

// resetLook is how often a push waiting for room asks whether the client
// has reset the connection.
const resetLook = 250 * time.Millisecond

// queued is one echo waiting for its time.
type queued struct {
	kind int // the WebSocket message type; unused on the raw port
	data []byte
	due  time.Time
}

// delayQueue holds echoes until they are due and sends them in order from
// its own goroutine, so a delay does not slow the reading of what follows
// (each echo is held D from its arrival, not D after the previous one).
// It holds at most budget bytes (or one item, however large): past that,
// push blocks, the reader stops reading and TCP flow control slows the
// client. A delay never buffers without bound.
type delayQueue struct {
	send   func(queued) error
	budget int
	// reset, when set, tells whether the client has reset the
	// connection. A push that waits for room is a reader that has
	// stopped reading, so only this notices a client that filled the
	// queue and left with a reset; otherwise the connection, its
	// goroutines and its slot under the connection limit would stay
	// until the oldest held echo is due and its write fails, up to a
	// minute.
	reset func() bool
	// release, when set, gives back to the server's Budget the bytes of
	// an item once it is sent or dropped: the /ws echo took them for the
	// copy it queued.
	release func(n int)

	mu     sync.Mutex
	cond   sync.Cond
	items  []queued
	bytes  int   // in items and the one being sent
	closed bool  // no more pushes: send the rest, then end
	err    error // why the sender stopped early; set once
	quit   chan struct{}
	done   chan struct{}
}

func newDelayQueue(budget int, send func(queued) error, reset func() bool, release func(n int)) *delayQueue {
	q := &delayQueue{send: send, budget: budget, reset: reset, release: release, quit: make(chan struct{}), done: make(chan struct{})}
	q.cond.L = &q.mu
	go q.run()
	return q
}

// push queues it, waiting while the queue is over its budget. It fails
// once the sender has stopped, or the client has reset the connection
// while it waited.
func (q *delayQueue) push(it queued) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	full := func() bool { return q.err == nil && q.bytes > 0 && q.bytes+len(it.data) > q.budget }
	if full() && q.reset != nil {
		defer q.watchReset()()
	}
	for full() {
		q.cond.Wait()
	}
	if q.err != nil {
		return q.err
	}
	q.items = append(q.items, it)
	q.bytes += len(it.data)
	q.cond.Broadcast()
	return nil
}

// finish lets the sender send what is queued, waits for it and returns
// the error that stopped it early, if any.
func (q *delayQueue) finish() error {
	q.mu.Lock()
	q.closed = true
	q.cond.Broadcast()
	q.mu.Unlock()
	<-q.done
	if errors.Is(q.err, errQueueStopped) {
		return nil
	}
	return q.err
}

// stop drops what is queued and waits for the sender to end.
func (q *delayQueue) stop() {
	q.fail(errQueueStopped)
	<-q.done
}

// watchReset looks every resetLook, until stop is called, whether the
// client has reset the connection, and fails the queue if so.
func (q *delayQueue) watchReset() (stop func()) {
	var mu sync.Mutex // over t and stopped: the timer's func reads t
	mu.Lock()
	defer mu.Unlock()
	stopped := false
	var t *time.Timer
	t = time.AfterFunc(resetLook, func() {
		if q.reset() {
			q.fail(errResetHeld)
			return
		}
		mu.Lock()
		if !stopped {
			t.Reset(resetLook)
		}
		mu.Unlock()
	})
	return func() {
		mu.Lock()
		stopped = true
		t.Stop()
		mu.Unlock()
	}
}

func (q *delayQueue) fail(err error) {
	q.mu.Lock()
	if q.err == nil {
		q.err = err
		close(q.quit)
	}
	q.cond.Broadcast()
	q.mu.Unlock()
}

func (q *delayQueue) run() {
	defer close(q.done)
	// Once the sender has stopped (q.err is set by then, so push adds
	// nothing more), what is left is dropped and its bytes given back.
	defer func() {
		q.mu.Lock()
		for _, it := range q.items {
			q.free(it)
		}
		q.items = nil
		q.mu.Unlock()
	}()
	for {
		q.mu.Lock()
		for len(q.items) == 0 && !q.closed && q.err == nil {
			q.cond.Wait()
		}
		if q.err != nil || len(q.items) == 0 {
			q.mu.Unlock()
			q.fail(errQueueStopped)
			return
		}
		it := q.items[0]
		q.items[0] = queued{}
		q.items = q.items[1:]
		q.mu.Unlock()

		if wait := time.Until(it.due); wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-t.C:
			case <-q.quit:
				t.Stop()
				q.free(it)
				return
			}
		}
		err := q.send(it)
		q.free(it)
		q.mu.Lock()
		q.bytes -= len(it.data)
		q.cond.Broadcast()
		q.mu.Unlock()
		if err != nil {
			q.fail(err)
			return
		}
	}
}

// free gives an item's bytes back to the server's Budget, if they came
// from it.
func (q *delayQueue) free(it queued) {
	if q.release != nil {
		q.release(len(it.data))
	}
}
