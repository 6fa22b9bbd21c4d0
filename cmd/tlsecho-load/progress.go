package main

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"
)

// progress shows a long run as it goes. On a terminal it is one line,
// rewritten in place every second; otherwise (a log file, CI) a plain line
// every interval, since carriage returns make a mess of a file. A nil
// *progress shows nothing.
type progress struct {
	w        io.Writer
	live     bool
	interval time.Duration
	phase    atomic.Pointer[string]
	quit     chan struct{}
	done     chan struct{}
}

// newProgress returns nil (silent) when interval is 0.
func newProgress(w io.Writer, interval time.Duration) *progress {
	if interval <= 0 {
		return nil
	}
	p := &progress{w: w, interval: interval, live: isTerminal(w)}
	if p.live {
		p.interval = time.Second
	}
	p.setPhase("connecting")
	return p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *progress) setPhase(s string) {
	if p != nil {
		p.phase.Store(&s)
	}
}

func (p *progress) start(l *loader, t0 time.Time) {
	if p == nil {
		return
	}
	p.quit, p.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.done)
		t := time.NewTicker(p.interval)
		defer t.Stop()
		last := l.snap()
		for {
			select {
			case <-p.quit:
				if p.live {
					fmt.Fprint(p.w, "\r\033[K")
				}
				return
			case <-t.C:
			}
			now := l.snap()
			p.show(progressLine(time.Since(t0), *p.phase.Load(), now.since(last), l))
			last = now
		}
	}()
}

func (p *progress) show(line string) {
	if p.live {
		fmt.Fprint(p.w, "\r\033[K"+line)
		return
	}
	fmt.Fprintln(p.w, line)
}

// stop ends the display (clearing the live line) before the report.
func (p *progress) stop() {
	if p == nil || p.quit == nil {
		return
	}
	close(p.quit)
	<-p.done
}

// progressLine is elapsed time, phase, connections, rates and failures.
func progressLine(elapsed time.Duration, phase string, w window, l *loader) string {
	secs := max(w.elapsed.Seconds(), 1e-3)
	return fmt.Sprintf("%7s  %-10s  %6d open  %8s echoes/s  %7.1f MB/s  %s mismatches  %s errors",
		elapsed.Round(time.Second), phase, l.open.Load(), count(float64(w.messages)/secs),
		float64(w.nbytes)/secs/1e6, count(float64(l.mismatches.Load())), count(float64(l.errors.Load())))
}
