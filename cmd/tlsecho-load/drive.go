package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// loader runs one load: o.conns clients spread over the targets.
type loader struct {
	o       *options
	dialers []*dialer
	pay     *payload
	bufs    sync.Pool // *[]byte scratch for comparing echoes
	probe   *probe

	open, dials, messages, bytes, errors, mismatches atomic.Int64

	// ready is closed once every client has connected and echoed once
	// (with -handshakes, at the start).
	ready chan struct{}

	// checked, when set (before the gate opens), is the barrier of the
	// echo each held connection makes right after the server's memory was
	// read; alive counts those that came back.
	checked *barrier
	alive   atomic.Int64

	rtt, hs hist

	mu            sync.Mutex
	firstErr      error
	firstMismatch error
}

func newLoader(o *options) (*loader, error) {
	cfg, err := clientTLS(o)
	if err != nil {
		return nil, err
	}
	l := &loader{o: o, pay: newPayload(o.sizes.max), probe: newProbe(o.pid, o.metricsURL, o.remote), ready: make(chan struct{})}
	for _, t := range o.targets {
		l.dialers = append(l.dialers, newDialer(t, cfg, o.timeout, o.remote))
	}
	l.bufs.New = func() any { b := make([]byte, 32<<10); return &b }
	return l, nil
}

// run connects every client (each echoes once), then lets them echo for
// o.warmup plus o.duration (or until each sent o.messages), then closes
// them all the orderly way. The window measured is the o.duration after
// the warm-up. With -handshakes there is no connect phase: each client
// loops over connect, one echo, close.
func (l *loader) run(ctx context.Context, prog *progress) *result {
	o := l.o
	res := &result{o: o, rtt: &l.rtt, hs: &l.hs}
	var steady bool
	res.before, res.warmFailed, steady = l.baseline(ctx)
	res.unsteady = !steady
	start := time.Now()
	prog.start(l, start)
	defer prog.stop()

	held := newBarrier(o.conns)
	gate := make(chan struct{})
	clientCtx, stopClients := context.WithCancel(ctx)
	defer stopClients()
	connecting := make(chan struct{}, max(1, o.dialers))
	var wg sync.WaitGroup
	for i := range o.conns {
		wg.Go(func() { l.client(clientCtx, l.dialers[i%len(l.dialers)], held, gate, connecting) })
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()

	select {
	case <-held.open:
	case <-ctx.Done():
	}
	res.connectTime = time.Since(start)
	close(l.ready)
	res.alive = -1
	if !o.handshakes {
		res.connected = int(l.open.Load())
		if wait(ctx, allDone, o.settle) {
			res.held = l.probe.sample()
		}
		if res.held.ok && res.connected > 0 {
			l.checked = newBarrier(res.connected)
		}
	}
	prog.setPhase("echoing")
	close(gate)
	if l.checked != nil {
		// A figure per held connection is only right if every one was
		// still open when the memory was read: a server that dropped some
		// would look lighter per connection than it is.
		res.alive = l.heldAlive(ctx, allDone)
	}
	wait(ctx, allDone, o.warmup)
	w0 := l.snap()
	res.start = l.probe.sample()
	stopLevels := l.trackLevels(ctx)
	if wait(ctx, allDone, o.duration/2) {
		res.middle = l.probe.sample()
	}
	wait(ctx, allDone, time.Until(w0.at.Add(o.duration)))
	w1 := l.snap()
	res.levels = stopLevels()
	res.end = l.probe.sample()
	res.window = w1.since(w0)
	if res.start.err == nil && res.end.err == nil {
		res.serverCPU = res.end.cpu - res.start.cpu
	}

	prog.setPhase("closing")
	stopClients()
	<-allDone
	res.elapsed = time.Since(start)
	// Stopped from outside (SIGINT, SIGTERM) before its end: the figures
	// cover a shorter run than asked, and it did not pass.
	res.interrupted = ctx.Err() != nil
	prog.setPhase("settling")
	res.after = l.probe.settled(ctx, res.before)
	res.dials, res.messages, res.bytes = l.dials.Load(), l.messages.Load(), l.bytes.Load()
	res.errors, res.mismatches = l.errors.Load(), l.mismatches.Load()
	res.firstErr, res.firstMismatch = l.firstErr, l.firstMismatch
	return res
}

// wait returns after d, or false at once when ctx ends or every client
// is done (there is nothing left to wait for).
func wait(ctx context.Context, done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
	case <-done:
	}
	return false
}

// counts is a moment's totals, for rates over a window.
type counts struct {
	at                      time.Time
	dials, messages, nbytes int64
}

// window is what happened between two counts.
type window struct {
	elapsed                 time.Duration
	dials, messages, nbytes int64
}

func (l *loader) snap() counts {
	return counts{time.Now(), l.dials.Load(), l.messages.Load(), l.bytes.Load()}
}

func (c counts) since(from counts) window {
	return window{c.at.Sub(from.at), c.dials - from.dials, c.messages - from.messages, c.nbytes - from.nbytes}
}

// client is one worker: a long-lived connection echoing messages, or with
// -handshakes a loop of short connections.
func (l *loader) client(ctx context.Context, d *dialer, held *barrier, gate <-chan struct{}, connecting chan struct{}) {
	rng := rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	sent := 0
	var c echoer
	if !l.o.handshakes {
		connecting <- struct{}{}
		if c = l.connect(ctx, d); c != nil {
			if l.echo(c, d, rng) {
				sent++
			} else {
				l.drop(c)
				c = nil
			}
		}
		<-connecting
		if c == nil {
			held.arrive()
			return
		}
	}
	held.arrive()
	select {
	case <-gate:
		if l.checked != nil && c != nil {
			if c = l.checkHeld(c, d, rng); c != nil {
				sent++
			}
		}
	case <-ctx.Done():
	}
	for ctx.Err() == nil && (l.o.messages == 0 || sent < l.o.messages) {
		if !l.o.turn.wait(ctx) {
			break
		}
		if c == nil {
			if c = l.connect(ctx, d); c == nil {
				wait(ctx, nil, 100*time.Millisecond)
				continue
			}
		}
		if !l.echo(c, d, rng) {
			l.drop(c)
			c = nil
			continue
		}
		sent++
		if l.o.handshakes {
			l.close(c, d)
			c = nil
		}
	}
	if c != nil {
		l.close(c, d)
	}
}

// checkHeld echoes once on a connection held while the server's memory
// was read, to show it was still open then, and returns it, or nil when
// the echo failed (the failure is counted, and the run fails).
func (l *loader) checkHeld(c echoer, d *dialer, rng *rand.Rand) echoer {
	defer l.checked.arrive()
	if !l.echo(c, d, rng) {
		l.drop(c)
		return nil
	}
	l.alive.Add(1)
	return c
}

// heldAlive waits for every held connection's echo after the server
// sample (l.checked) and returns how many came back, or -1 when the run
// ended first. With few messages per connection the clients finish right
// after that echo, so by the time this looks, allDone may be closed as
// well as the barrier; select would pick either, and a run whose every
// connection came back would be left without its figure half the time.
// The barrier is looked at on its own after the wait, so an open one
// always counts.
func (l *loader) heldAlive(ctx context.Context, allDone <-chan struct{}) int {
	select {
	case <-l.checked.open:
	case <-ctx.Done():
	case <-allDone:
	}
	select {
	case <-l.checked.open:
		return int(l.alive.Load())
	default:
		return -1
	}
}

// connect dials; a failure is counted unless the run was ending anyway.
func (l *loader) connect(ctx context.Context, d *dialer) echoer {
	t0 := time.Now()
	c, err := d.dial(ctx)
	if err != nil {
		if ctx.Err() == nil {
			l.fail(d, fmt.Errorf("connect: %w", err))
		}
		return nil
	}
	l.hs.add(time.Since(t0))
	l.dials.Add(1)
	l.open.Add(1)
	return c
}

// echo sends one message and checks its echo; false after a failure.
func (l *loader) echo(c echoer, d *dialer, rng *rand.Rand) bool {
	size := l.o.sizes.pick(rng)
	text := d.target.Scheme != "tls" && l.o.text > 0 && rng.Float64() < l.o.text
	msg := l.pay.message(rng, size, text)
	buf := l.bufs.Get().(*[]byte)
	defer l.bufs.Put(buf)
	t0 := time.Now()
	if err := c.echo(msg, text, *buf); err != nil {
		l.fail(d, err)
		return false
	}
	l.rtt.add(time.Since(t0))
	l.messages.Add(1)
	l.bytes.Add(int64(size))
	return true
}

func (l *loader) close(c echoer, d *dialer) {
	l.open.Add(-1)
	if err := c.close(); err != nil {
		l.fail(d, err)
	}
}

func (l *loader) drop(c echoer) {
	l.open.Add(-1)
	c.abort()
}

// fail counts an error or a mismatch and keeps the first of each.
func (l *loader) fail(d *dialer, err error) {
	err = fmt.Errorf("%s: %w", d.target, err)
	var m *mismatchError
	l.mu.Lock()
	defer l.mu.Unlock()
	if errors.As(err, &m) {
		l.mismatches.Add(1)
		if l.firstMismatch == nil {
			l.firstMismatch = err
		}
		return
	}
	l.errors.Add(1)
	if l.firstErr == nil {
		l.firstErr = err
	}
}

// barrier opens once every client has arrived: connected and echoed once,
// or failed to (and given up).
type barrier struct {
	mu   sync.Mutex
	n    int
	open chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) arrive() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n--
	if b.n == 0 {
		close(b.open)
	}
}

// trackLevels starts reading the server's RSS through the window (see
// rssLevels) when there is a server to read; the function it returns
// ends the readings and gives them, nil when there were none.
func (l *loader) trackLevels(ctx context.Context) (stop func() *rssLevels) {
	if !l.probe.enabled() || l.o.handshakes {
		return func() *rssLevels { return nil }
	}
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan *rssLevels, 1)
	go func() { ch <- trackRSS(ctx, l.probe, rssEvery(l.o.duration)) }()
	return func() *rssLevels { cancel(); return <-ch }
}
