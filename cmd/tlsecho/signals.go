package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// sameSignal is how soon after the first a signal is taken for the same
// request delivered twice, not an operator's second: far longer than
// between a supervisor's two sends, shorter than a person's second Ctrl-C.
const sameSignal = 250 * time.Millisecond

// stopSignals is SIGINT and SIGTERM, taken from serve's first line on
// (catchStop), as SIGHUP is: their default action would end a server
// told to stop while it starts (a supervisor's SIGTERM right after its
// start, a script's kill) by the signal, with no line and no exit 0.
// The first starts the drain once the server serves (onSignals), at once
// if it came meanwhile. A second signal ends the process at once, without
// draining, the way the signal's default action would, also while the
// server still starts: an impatient operator's second Ctrl-C works. One
// within sameSignal of the first counts as the first.
//
// Giving the signals back their default action after the first one is
// not enough: a process started with SIGINT ignored (`tlsecho &` in a
// script, where the shell ignores it for background jobs) would go back
// to ignoring it. So the second signal is taken here too; the process
// then dies by it when its default action is to kill, and otherwise (it
// was ignored at start, or the process is a container's process 1, which
// such a signal cannot kill) exits with the code a shell gives a process
// killed by it (128 + its number).
type stopSignals struct {
	ch chan os.Signal
	// ignored: the signals the process was started with ignored, known
	// only before Notify takes them.
	ignored map[os.Signal]bool
	// first is closed at the first signal.
	first     chan struct{}
	signalled atomic.Bool
	// log is the server's logger once serve has made it; early writes
	// the lines of a signal that comes before (while the settings are
	// read), to serve's stderr.
	log   atomic.Pointer[slog.Logger]
	early *slog.Logger
	// done ends the watch: serve has ended.
	done     chan struct{}
	doneOnce sync.Once
	// taken is set by onSignals, which gives the signals back itself.
	taken bool
}

// catchStop takes SIGINT and SIGTERM from now on, and watches for them,
// until onSignals's stop or release when serve ends before it serves.
// Lines logged before the server's logger exists go to stderr.
func catchStop(stderr io.Writer) *stopSignals {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	s := &stopSignals{
		ch:      make(chan os.Signal, 2),
		ignored: map[os.Signal]bool{},
		first:   make(chan struct{}),
		early:   slog.New(slog.NewTextHandler(stderr, nil)),
		done:    make(chan struct{}),
	}
	for _, sig := range sigs {
		s.ignored[sig] = signal.Ignored(sig)
	}
	signal.Notify(s.ch, sigs...)
	go s.watch()
	return s
}

// logger is the server's logger, or before it exists one to stderr.
func (s *stopSignals) logger() *slog.Logger {
	if l := s.log.Load(); l != nil {
		return l
	}
	return s.early
}

// end ends the watch.
func (s *stopSignals) end() { s.doneOnce.Do(func() { close(s.done) }) }

// release gives the signals back and ends the watch unless onSignals took
// them over: serve ended before it served (a bad setting), and the
// process, or a test running serve, must not go on dropping them.
func (s *stopSignals) release() {
	if !s.taken {
		signal.Stop(s.ch)
		s.end()
	}
}

// watch closes first at the first signal and ends the process at a
// second one (see stopSignals).
func (s *stopSignals) watch() {
	select {
	case <-s.ch:
	case <-s.done:
		return
	}
	s.signalled.Store(true)
	close(s.first)
	// GNU timeout, and other supervisors that stop a process group,
	// signal the process and then its whole group: one request to stop,
	// delivered twice within microseconds. Taken for a second signal it
	// would end every such run without its drain, so the signals of the
	// next moment are the first one's echo.
	repeat := time.NewTimer(sameSignal)
	defer repeat.Stop()
echoes:
	for {
		select {
		case sig := <-s.ch:
			s.logger().Debug("signal right after the first; taken for the same request", "signal", sig.String())
		case <-repeat.C:
			break echoes
		case <-s.done:
			return
		}
	}
	s.logger().Info("a second signal ends the process at once, without draining")
	var sig os.Signal
	select {
	case sig = <-s.ch:
	case <-s.done:
		return
	}
	s.logger().Warn("second signal: ending without draining", "signal", sig.String())
	signal.Reset(sig)
	// Process 1 of a PID namespace (a container's entrypoint) is never
	// killed by a signal it has left at its default action: the kernel
	// drops it, and the Go runtime would then exit with status 2, which
	// reads as a usage error. Exit with the shell's code for the signal
	// instead, as when it was ignored.
	if !s.ignored[sig] && os.Getpid() != 1 {
		if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(sig) == nil {
			// The runtime's handler is ending the process.
			time.Sleep(time.Second)
		}
	}
	code := 1
	if n, ok := sig.(syscall.Signal); ok {
		code = 128 + int(n)
	}
	os.Exit(code)
}

// onSignals returns a context that ends at the first SIGINT or SIGTERM
// caught (perhaps before this call), which starts the drain, and a
// function to call when the server is done. Lines about the signals go
// to log from now on.
func onSignals(ctx context.Context, log *slog.Logger, caught *stopSignals) (context.Context, func()) {
	caught.taken = true
	caught.log.Store(log)
	ctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-caught.first:
			cancel()
		case <-caught.done:
		}
	}()
	return ctx, func() {
		// After a signal the process is on its way out: the signals stay
		// taken (and dropped) until it exits. An idle server drains in
		// well under sameSignal, so the second send of a supervisor that
		// signals the process and then its group can come after the
		// drain; given back its default action then, it would kill a
		// process that drained cleanly, which would exit by the signal
		// instead of 0.
		if !caught.signalled.Load() {
			signal.Stop(caught.ch)
		}
		caught.end()
		cancel()
	}
}
