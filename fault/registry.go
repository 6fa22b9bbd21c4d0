package fault

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Limits of the arming registry: a forgotten POST cannot grow it without
// bound, and a typo in count cannot arm a listener for good.
const (
	// MaxArmed is the most specs armed at once, over all listeners.
	MaxArmed = 64
	// MaxArmCount is the most connections one POST may arm.
	MaxArmCount = 10000
)

// Armed is one armed spec as GET /faults shows it.
type Armed struct {
	// Listener names the listener whose next connections get Spec.
	Listener string `json:"listener"`
	// Spec is the armed spec in its written form.
	Spec string `json:"spec"`
	// Remaining is how many more connections get it before it is gone.
	Remaining int `json:"remaining"`
}

type armedEntry struct {
	listener  string
	spec      *Spec
	remaining int
}

// registry holds specs armed for the next connections of a listener, first
// armed first served. It is safe for concurrent use. take is called for
// every accepted connection, so it costs one atomic load while nothing is
// armed.
type registry struct {
	mu      sync.Mutex
	entries []*armedEntry
	n       atomic.Int32 // len(entries), read without the lock
}

// arm queues spec for the next count connections of listener.
func (r *registry) arm(listener string, spec *Spec, count int) error {
	if count < 1 || count > MaxArmCount {
		return fmt.Errorf("count %d: want 1 to %d", count, MaxArmCount)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.entries) >= MaxArmed {
		return fmt.Errorf("%d specs are armed already, the most at once; DELETE /faults to disarm them", MaxArmed)
	}
	r.entries = append(r.entries, &armedEntry{listener: listener, spec: spec, remaining: count})
	r.n.Store(int32(len(r.entries)))
	return nil
}

// take returns the spec armed for the next connection of listener and
// counts it, or nil.
func (r *registry) take(listener string) *Spec {
	if r.n.Load() == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, e := range r.entries {
		if e.listener != listener {
			continue
		}
		e.remaining--
		if e.remaining == 0 {
			r.entries = append(r.entries[:i], r.entries[i+1:]...)
			r.n.Store(int32(len(r.entries)))
		}
		return e.spec
	}
	return nil
}

// list returns the armed specs, first armed first.
func (r *registry) list() []Armed {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Armed, 0, len(r.entries))
	for _, e := range r.entries {
		out = append(out, Armed{Listener: e.listener, Spec: e.spec.String(), Remaining: e.remaining})
	}
	return out
}

// disarm drops every armed spec and returns how many there were.
func (r *registry) disarm() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.entries)
	r.entries = nil
	r.n.Store(0)
	return n
}
