package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tlsecho/tlsecho/internal/term"
)

// progress shows a long run as it goes. On a terminal it is one line,
// rewritten in place every second; otherwise (a log file, CI) a plain line
// every interval, since carriage returns make a mess of a file. A nil
// *progress shows nothing.
type progress struct {
	w    io.Writer
	live bool
	// width is the terminal's, in columns, when live, read again at
	// every update (a terminal resized during a long soak). The live
	// line must stay shorter: a carriage return goes back to the start
	// of the last row only, so a line that wraps leaves a row behind at
	// every update.
	width    func() int
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
	p := &progress{w: w, interval: interval, live: term.Is(w)}
	if p.live {
		p.interval = time.Second
		f := w.(*os.File)
		p.width = func() int {
			if n := termWidth(f); n > 0 {
				return n
			}
			return 80
		}
	}
	p.setPhase("connecting")
	return p
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
		fmt.Fprint(p.w, "\r\033[K"+fitWidth(line, p.width()))
		return
	}
	fmt.Fprintln(p.w, line)
}

// fitWidth makes a live line shorter than width columns: first without
// the padding that aligns the columns from one update to the next, then,
// on a terminal narrower still, cut.
func fitWidth(line string, width int) string {
	if len(line) < width {
		return line
	}
	line = strings.Join(strings.Fields(line), " ")
	if r := []rune(line); len(r) >= width {
		line = string(r[:max(width-1, 0)])
	}
	return line
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
