package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// baselineWhen says in the report when the baseline was taken.
const baselineWhen = "once a warm-up connection to each target had echoed and closed"

// baselineWhen says when the baseline was taken, or that it was taken
// after warm-up connections that failed (the errors say how), and when
// the server's goroutines or descriptors never held still for it.
func (r *result) baselineWhen() string {
	when := baselineWhen
	if r.warmFailed > 0 {
		when = fmt.Sprintf("after %d of %d warm-up connections failed", r.warmFailed, len(r.o.targets))
	}
	if r.unsteady {
		when += fmt.Sprintf(", but the server's goroutines or descriptors did not hold still between two readings in %v (other clients?), so it is no settled baseline", steadyWait)
	}
	return when
}

// baseline is the server sample the run ends are compared with. It is
// taken once one warm-up connection to each target has echoed once and
// closed, and the server's goroutines and descriptors hold still, not
// before the first connection: a server is not done starting when its
// ports accept. tlsecho's accept loops and certificate watcher start in
// goroutines of their own a moment after it listens (a scrape of a fresh
// tlsecho's /metrics saw 14 goroutines where it settles at 17), and a
// server may start goroutines of its own on its first connection, for
// good. Counted before them, a run that leaked nothing failed its
// "back to baseline" verdict. The warm-up connections are not counted
// in the run's figures; one that fails is an error of the run, counted
// in failed. steady is false when the server's figures did not hold
// still (see probe.steady).
func (l *loader) baseline(ctx context.Context) (s serverSample, failed int, steady bool) {
	if !l.probe.enabled() {
		return l.probe.sample(), 0, true
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	buf := l.bufs.Get().(*[]byte)
	defer l.bufs.Put(buf)
	for _, d := range l.dialers {
		c, err := d.dial(ctx)
		if err != nil {
			if ctx.Err() == nil {
				l.fail(d, fmt.Errorf("warm-up connect: %w", err))
			}
			failed++
			continue
		}
		if err := c.echo(l.pay.message(rng, l.o.sizes.min, false), false, *buf); err != nil {
			l.fail(d, fmt.Errorf("warm-up: %w", err))
			c.abort()
			failed++
			continue
		}
		if err := c.close(); err != nil {
			l.fail(d, fmt.Errorf("warm-up: %w", err))
			failed++
		}
	}
	s, steady = l.probe.steady(ctx)
	return s, failed, steady
}

// steadyWait is how long steady waits for the server's figures to hold
// still.
const steadyWait = 5 * time.Second

// steady samples the server until two samples in a row, 100 ms apart,
// agree on goroutines and descriptors (it closes its side of a
// connection a moment after the client), for at most steadyWait, and
// returns the last. held is false when no two agreed: a baseline read
// then is a moment's figure, and the report says so rather than pass
// it off as settled.
func (p *probe) steady(ctx context.Context) (s serverSample, held bool) {
	prev := p.sample()
	deadline := time.Now().Add(steadyWait)
	for time.Now().Before(deadline) && wait(ctx, nil, 100*time.Millisecond) {
		s := p.sample()
		if s.ok && prev.ok && s.goroutines == prev.goroutines && s.fds == prev.fds {
			return s, true
		}
		prev = s
	}
	return prev, false
}
