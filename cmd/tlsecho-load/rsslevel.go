package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// rssLevels is the server's RSS read at a steady pace through the
// measured window, for a verdict on whether it grows.
//
// One reading says little under a load of large messages: what the
// messages in flight hold, and where the heap is between two
// collections, move a Go server's RSS by a fifth and more from one
// second to the next (README, Soak). Three 10-minute soaks read only at
// the window's start, middle and end moved by -17%, +14% and +15% (the
// largest change of each from its start), every byte right. Memory that
// grows with time or traffic raises the level the readings swing
// around; so the verdict compares the median of the window's last fifth
// with that of its first.
type rssLevels struct {
	samples []int64 // bytes, in the order read; failed reads left out
	failed  int     // reads that failed
}

// levelFraction is the part of the window at each end whose median is
// its level.
const levelFraction = 5

// minLevelSamples is the fewest readings a verdict on the level takes:
// with fewer, each end's median is one or two readings, no better than
// the start and end alone.
const minLevelSamples = 10

// rssEvery is how often the RSS is read through a window of d: once a
// second, more often in a short window so that it still has
// minLevelSamples readings and more (four times as many). The floor is a
// millisecond, not more: one of 10 ms left a soak of -d 100ms 10
// readings at best, and its window, which starts after a sample of its
// own, 9, so it failed for readings it never took. Reading /proc costs
// the server nothing; a scrape of /metrics (no -pid) that often lasts
// only as long as such a window.
func rssEvery(d time.Duration) time.Duration {
	return max(min(time.Second, d/(4*minLevelSamples)), time.Millisecond)
}

// trackRSS reads the server's RSS every interval until ctx ends.
func trackRSS(ctx context.Context, p *probe, every time.Duration) *rssLevels {
	l := &rssLevels{}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return l
		case <-t.C:
		}
		rss, err := p.rss(ctx)
		switch {
		case err == nil:
			l.samples = append(l.samples, rss)
		case ctx.Err() != nil:
			return l // the window ended during the reading
		default:
			l.failed++
		}
	}
}

// rss reads the server's resident memory alone: from /proc with a pid,
// which costs the server nothing, else from its /metrics, a scrape given
// up when ctx ends, so that one that hangs cannot hold the end of the
// run for the client's timeout.
func (p *probe) rss(ctx context.Context) (int64, error) {
	if p.pid > 0 {
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.pid))
		if err != nil {
			return 0, err
		}
		return parseStatusRSS(string(status))
	}
	m, err := scrape(ctx, p.client, p.metricsURL)
	if err != nil {
		return 0, err
	}
	v, ok := m["process_resident_memory_bytes"]
	if !ok {
		return 0, fmt.Errorf("%s: no process_resident_memory_bytes", p.metricsURL)
	}
	return int64(v), nil
}

// ends is the median of the first and of the last fifth of the
// readings; ok is false with fewer than minLevelSamples.
func (l *rssLevels) ends() (first, last int64, ok bool) {
	if l == nil || len(l.samples) < minLevelSamples {
		return 0, 0, false
	}
	n := max(len(l.samples)/levelFraction, 1)
	return levelOf(l.samples[:n]), levelOf(l.samples[len(l.samples)-n:]), true
}

// drift is the change of the level from the window's first fifth to its
// last, relative to the first.
func (l *rssLevels) drift() (float64, bool) {
	first, last, ok := l.ends()
	if !ok || first <= 0 {
		return 0, false
	}
	return float64(last-first) / float64(first), true
}

// spread is the lowest and highest reading.
func (l *rssLevels) spread() (lo, hi int64) {
	return slices.Min(l.samples), slices.Max(l.samples)
}

// levelOf is the median of some readings, in bytes.
func levelOf(v []int64) int64 {
	f := make([]float64, len(v))
	for i, b := range v {
		f[i] = float64(b)
	}
	return int64(median(f))
}

// describe is the figures: both levels, the change (against bound,
// when it is set), the range, and any reading that failed. It starts
// with "RSS", for a line that names the server before it.
func (l *rssLevels) describe(bound float64) string {
	first, last, ok := l.ends()
	if !ok {
		n := 0
		if l != nil {
			n = len(l.samples)
		}
		s := fmt.Sprintf("RSS read %s in the window, fewer than the %d a figure for its level takes", plural.Count(n, "time", "times"), minLevelSamples)
		if l != nil && l.failed > 0 {
			// A server that exited or stopped answering: its reads
			// failed, which is why they are few.
			s += fmt.Sprintf("; %s failed", plural.Count(l.failed, "reading", "readings"))
		}
		return s
	}
	d, _ := l.drift()
	change := fmt.Sprintf("%+.1f%%", 100*d)
	if bound > 0 {
		change += fmt.Sprintf(", within ±%.0f%%", 100*bound)
	}
	lo, hi := l.spread()
	s := fmt.Sprintf("RSS %s over the window's first fifth, %s over its last (medians of %s each, %s); %s-%s over all %s",
		mib(first), mib(last), plural.Count(max(len(l.samples)/levelFraction, 1), "reading", "readings"), change, mib(lo), mib(hi), plural.Count(len(l.samples), "reading", "readings"))
	if l.failed > 0 {
		s += fmt.Sprintf("; %s failed", plural.Count(l.failed, "reading", "readings"))
	}
	return s
}
