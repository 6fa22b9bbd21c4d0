package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"
)

// onSignals returns a context that ends at the first SIGINT or SIGTERM
// (caught by catchStop, perhaps before this call), which starts the
// drain, and a function to call when the server is done.
// A second signal ends the process at once, without draining, the way
// the signal's default action would: an impatient operator's second
// Ctrl-C works. One within sameSignal of the first counts as the first.
//
// Giving the signals back their default action after the first one is
// not enough: a process started with SIGINT ignored (`tlsecho &` in a
// script, where the shell ignores it for background jobs) would go back
// to ignoring it. So the second signal is taken here too; the process
// then dies by it when its default action is to kill, and otherwise (it
// was ignored at start, or the process is a container's process 1, which
// such a signal cannot kill) exits with the code a shell gives a process
// killed by it (128 + its number).
// sameSignal is how soon after the first a signal is taken for the same
// request delivered twice, not an operator's second: far longer than
// between a supervisor's two sends, shorter than a person's second Ctrl-C.
const sameSignal = 250 * time.Millisecond

// stopSignals is SIGINT and SIGTERM, taken from serve's first line on
// (catchStop), as SIGHUP is: their default action would end a server
// told to stop while it starts (a supervisor's SIGTERM right after its
// start, a script's kill) by the signal, with no line and no exit 0.
// onSignals acts on them once the server serves: one that came meanwhile
// starts the drain at once.
type stopSignals struct {
	ch chan os.Signal
	// ignored: the signals the process was started with ignored, known
	// only before Notify takes them.
	ignored map[os.Signal]bool
	// taken is set by onSignals, which gives them back itself.
	taken bool
}

// catchStop takes SIGINT and SIGTERM from now on, for onSignals, or
// until release when serve ends before it serves.
func catchStop() *stopSignals {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	s := &stopSignals{ch: make(chan os.Signal, 2), ignored: map[os.Signal]bool{}}
	for _, sig := range sigs {
		s.ignored[sig] = signal.Ignored(sig)
	}
	signal.Notify(s.ch, sigs...)
	return s
}

// release gives the signals back unless onSignals took them over: serve
// ended before it served (a bad setting), and the process, or a test
// running serve, must not go on dropping them.
func (s *stopSignals) release() {
	if !s.taken {
		signal.Stop(s.ch)
	}
}

func onSignals(ctx context.Context, log *slog.Logger, caught *stopSignals) (context.Context, func()) {
	caught.taken = true
	ch, ignored := caught.ch, caught.ignored
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var signalled atomic.Bool
	go func() {
		select {
		case <-ch:
		case <-done:
			return
		}
		signalled.Store(true)
		cancel()
		// GNU timeout, and other supervisors that stop a process group,
		// signal the process and then its whole group: one request to
		// stop, delivered twice within microseconds. Taken for a second
		// signal it would end every such run without its drain, so the
		// signals of the next moment are the first one's echo.
		repeat := time.NewTimer(sameSignal)
		defer repeat.Stop()
	echoes:
		for {
			select {
			case s := <-ch:
				log.Debug("signal right after the first; taken for the same request", "signal", s.String())
			case <-repeat.C:
				break echoes
			case <-done:
				return
			}
		}
		log.Info("a second signal ends the process at once, without draining")
		var s os.Signal
		select {
		case s = <-ch:
		case <-done:
			return
		}
		log.Warn("second signal: ending without draining", "signal", s.String())
		signal.Reset(s)
		// Process 1 of a PID namespace (a container's entrypoint) is
		// never killed by a signal it has left at its default action:
		// the kernel drops it, and the Go runtime would then exit with
		// status 2, which reads as a usage error. Exit with the shell's
		// code for the signal instead, as when it was ignored.
		if !ignored[s] && os.Getpid() != 1 {
			if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(s) == nil {
				// The runtime's handler is ending the process.
				time.Sleep(time.Second)
			}
		}
		code := 1
		if n, ok := s.(syscall.Signal); ok {
			code = 128 + int(n)
		}
		os.Exit(code)
	}()
	return ctx, func() {
		// After a signal the process is on its way out: the signals stay
		// taken (and dropped) until it exits. An idle server drains in
		// well under sameSignal, so the second send of a supervisor that
		// signals the process and then its group can come after the
		// drain; given back its default action then, it would kill a
		// process that drained cleanly, which would exit by the signal
		// instead of 0.
		if !signalled.Load() {
			signal.Stop(ch)
		}
		close(done)
		cancel()
	}
}
