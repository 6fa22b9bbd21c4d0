package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// measurePair measures a throughput workload on both servers at once:
// both run, pinned to the same CPUs, each with its clients connected, and
// the load goes to one at a time, switching every f.slice, the first of
// each pair of slices alternating, and the first of the round alternating
// from one round to the next (sliceOrder). Each server's figure is its
// echoes (or handshakes) in its own slices over its CPU time in them.
//
// A machine whose speed drifts over seconds (a neighbour's load on the
// host, the clock) moves two runs made one after the other apart by more
// than the gaps being measured; in slices, both meet each state of the
// machine for about as long.
func (b *bench) measurePair(ctx context.Context, f *compareFlags, w workload, round int) (tlsecho, plain float64, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sides := make([]*side, 2)
	var servers []*server
	defer func() {
		// Every client stops, connections close, before the servers do;
		// also when the second server failed to start, so the first
		// one's load never outlives this call.
		cancel()
		for _, sd := range sides {
			if sd == nil {
				continue
			}
			res := <-sd.done
			if err == nil && (res.errors > 0 || res.mismatches > 0) {
				err = fmt.Errorf("%s: %s%s, %s%s", sd.name, plural.Count(res.mismatches, "mismatch", "mismatches"), first(res.firstMismatch), plural.Count(res.errors, "error", "errors"), first(res.firstErr))
			}
		}
		for _, s := range servers {
			s.stop()
		}
	}()
	for i, name := range []string{"tlsecho", "plain"} {
		var s *server
		if name == "tlsecho" {
			s, err = b.startTlsecho(ctx, f.conns+100)
		} else {
			s, err = b.startBaseline(ctx)
		}
		if err != nil {
			return 0, 0, err
		}
		servers = append(servers, s)
		o := b.loadOptions(f, w, s)
		// The load runs until the slices are done, then is cancelled.
		o.warmup, o.duration, o.turn = 0, 24*time.Hour, newTurn()
		l, err := newLoader(o)
		if err != nil {
			return 0, 0, err
		}
		sd := &side{name: name, l: l, turn: o.turn, done: make(chan *result, 1)}
		go func() { sd.done <- l.run(ctx, nil) }()
		sides[i] = sd
	}
	for _, sd := range sides {
		select {
		case <-sd.l.ready:
		case <-ctx.Done():
			return 0, 0, ctx.Err()
		}
	}
	// The warm-up alternates too: a side's clients read nothing while it
	// is off, and a wait much longer than a slice would have tlsecho ping
	// them in vain and drop them (maxSlice).
	pairs := func(total time.Duration, measure bool) bool {
		for _, i := range sliceOrder(max(1, int((total+f.slice/2)/f.slice)), round) {
			if !sides[i].slice(ctx, f.slice, measure) {
				return false
			}
		}
		return true
	}
	if (f.warmup > 0 && !pairs(f.warmup, false)) || !pairs(f.duration, true) {
		return 0, 0, ctx.Err()
	}
	for _, sd := range sides {
		if sd.err != nil {
			return 0, 0, fmt.Errorf("%s: %w", sd.name, sd.err)
		}
		if sd.cpu <= 0 || sd.n == 0 {
			return 0, 0, fmt.Errorf("%s: no server CPU time measured", sd.name)
		}
	}
	rate := func(sd *side) float64 { return float64(sd.n) / sd.cpu.Seconds() }
	return rate(sides[0]), rate(sides[1]), nil
}

// sliceOrder is which side (0 or 1) has each slice of n pairs in the
// given round: the first of each pair alternates within the round, and
// the round's first side alternates from round to round, as the rounds
// of -slice 0 alternate which server goes first. With an odd number of
// pairs one side has the first slice of a pair once more in a round;
// the next round gives that to the other.
func sliceOrder(n, round int) []int {
	order := make([]int, 0, 2*n)
	for i := range n {
		first := (i + round) % 2
		order = append(order, first, 1-first)
	}
	return order
}

// maxSlice bounds -slice: while one side has the load, the other's
// clients read nothing, and tlsecho pings a silent client after its ping
// interval (30 s) and drops it an interval later if no pong came.
const maxSlice = 10 * time.Second

// side is one server of measurePair and what its slices counted.
type side struct {
	name string
	l    *loader
	turn *turn
	done chan *result

	n   int64         // echoes, or handshakes, in the slices measured
	cpu time.Duration // the server's CPU time in them
	err error         // the first failed sample
}

// slice gives the load to this side for d, counting what it did when
// measure is set; false when ctx ended.
func (sd *side) slice(ctx context.Context, d time.Duration, measure bool) bool {
	// The counts are read before the turn starts: the load is off until
	// then, and an echo the load makes at once is counted, where read
	// after the start it could fall before the mark (the test's 1,000
	// echoes did, in 2 of 10 runs).
	c0, s0 := sd.l.snap(), sd.l.probe.sample()
	sd.turn.start()
	defer sd.turn.stop()
	if !wait(ctx, nil, d) {
		return false
	}
	c1, s1 := sd.l.snap(), sd.l.probe.sample()
	if !measure {
		return true
	}
	if err := errors.Join(s0.err, s1.err); err != nil {
		if sd.err == nil {
			sd.err = err
		}
		return true
	}
	win := c1.since(c0)
	if sd.l.o.handshakes {
		sd.n += win.dials // as run's figures count them
	} else {
		sd.n += win.messages
	}
	sd.cpu += s1.cpu - s0.cpu
	return true
}
