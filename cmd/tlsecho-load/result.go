package main

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// result is what one run saw, from the clients' side and, with -pid or
// -metrics, from the server's.
type result struct {
	o         *options
	connected int // connections open once all had connected
	// alive is how many of the connected echoed once more right after the
	// server sample with all held; -1 when that sample was not taken.
	alive       int
	connectTime time.Duration // from the start until then
	elapsed     time.Duration
	window      window        // the measured window, after the warm-up
	serverCPU   time.Duration // server CPU time in the window (-pid)

	// Server samples: before the load (after one warm-up connection to
	// each target, see baseline), with every connection held
	// (not with -handshakes), at the window's start, middle and end, and
	// once it settled after the clients closed.
	before, held, start, middle, end, after serverSample
	// levels is the server's RSS read through the window, nil without a
	// server to read.
	levels     *rssLevels
	warmFailed int  // warm-up connections that failed before the baseline
	unsteady   bool // the server's figures did not hold still for the baseline

	dials, messages, bytes  int64
	errors, mismatches      int64
	firstErr, firstMismatch error
	interrupted             bool // stopped by a signal before its end
	rtt, hs                 *hist
}

// failed is the exit status's verdict: any error or mismatch, nothing
// echoed at all, or a run stopped before its end.
func (r *result) failed() bool {
	return r.errors > 0 || r.mismatches > 0 || r.messages == 0 || r.interrupted
}

// roughGrowth is the RSS growth under which a figure per connection is
// flagged as rough: 8 connections on a fresh tlsecho gave 3.0 KiB each,
// where 5,000 give 13.5.
const roughGrowth = 1 << 20

// perConnRSS is the server's resident memory per held connection, in
// bytes: the growth from before the load to all held. There
// is none when a held connection failed its echo after the sample
// (dropped): the server held fewer connections than counted; nor when
// the RSS did not grow (rssFell).
func (r *result) perConnRSS() (float64, bool) {
	if !r.before.ok || !r.held.ok || r.before.rss < 0 || r.held.rss < 0 || r.connected == 0 || r.dropped() != 0 || r.rssFell() {
		return 0, false
	}
	return float64(r.held.rss-r.before.rss) / float64(r.connected), true
}

// noRSSReason says why perConnRSS has no figure, for a verdict that
// needs one.
func (r *result) noRSSReason() string {
	switch {
	case !r.before.ok || r.before.rss < 0:
		return "the server's memory before the load was not read" + notRead(r.before)
	case r.connected == 0:
		return "no connection was held"
	case !r.held.ok && r.held.err == nil:
		// Not taken: every client had ended before the connections
		// settled, so there was nothing held to measure.
		return "every client had ended before the server's memory could be read with all connections held"
	case !r.held.ok || r.held.rss < 0:
		return "the server's memory with every connection held was not read" + notRead(r.held)
	case r.dropped() < 0:
		return "the run ended before every held connection echoed again"
	case r.dropped() > 0:
		return fmt.Sprintf("%s of the %s connections counted as held failed their next echo", count(float64(r.dropped())), count(float64(r.connected)))
	case r.rssFell():
		return fmt.Sprintf("the RSS did not grow (%s before, %s held)", mib(r.before.rss), mib(r.held.rss))
	}
	return "unknown"
}

// notRead says why a sample has no RSS: its error, or a server that
// did not report one.
func notRead(s serverSample) string {
	if s.err != nil {
		return fmt.Sprintf(" (%v)", s.err)
	}
	return " (the server did not report its RSS)"
}

// rssFell reports a server whose RSS with every connection held was no
// larger than before the load: one that had run a load before gives back
// memory it held then (a Go runtime returns freed pages over minutes) as
// the connections take theirs, and a few connections fit in the pages it
// already has; the difference is not what they cost.
func (r *result) rssFell() bool {
	return r.before.ok && r.held.ok && r.before.rss >= 0 && r.held.rss >= 0 && r.held.rss <= r.before.rss
}

// dropped is how many held connections failed their echo right after the
// server sample with all held, or -1 when that is not known (no sample,
// or the run was stopped first).
func (r *result) dropped() int {
	if r.alive < 0 {
		return -1
	}
	return r.connected - r.alive
}

// preciseCPU is the least server CPU time whose per-CPU-second figure is
// within about 2% (two ticks of /proc's 10 ms clock, one at each end of the
// window, in a second): below it the figure is flagged as rough.
const preciseCPU = time.Second

// perCPUSecond is the window's echoes (full handshakes with -handshakes)
// per second of server CPU time. There is none when the window saw no
// echo (with a small -n every echo comes before it): the CPU time
// measured then is the server's idle work, and 0 echoes per CPU-second
// would be a figure of nothing.
func (r *result) perCPUSecond() (float64, bool) {
	n := r.window.messages
	if r.o.handshakes {
		n = r.window.dials
	}
	if r.serverCPU <= 0 || n == 0 {
		return 0, false
	}
	return float64(n) / r.serverCPU.Seconds(), true
}

func (r *result) print(w io.Writer) {
	o := r.o
	var names []string
	for _, t := range o.targets {
		names = append(names, t.String())
	}
	p := func(label, format string, args ...any) {
		fmt.Fprintf(w, "%-13s %s\n", label, fmt.Sprintf(format, args...))
	}
	p("targets", "%s", strings.Join(names, ", "))
	kind := "connections held,"
	if o.handshakes {
		kind = "clients, each connecting, echoing once and closing in a loop,"
	}
	text := ""
	if o.text > 0 {
		text = fmt.Sprintf(", %.0f%% of wss messages text", 100*o.text)
	}
	p("clients", "%d %s %s messages%s", o.conns, kind, o.sizes, text)
	if !o.handshakes {
		p("connect", "%s open after %v", plural.Count(r.connected, "connection", "connections"), r.connectTime.Round(time.Millisecond))
	}
	secs := r.window.elapsed.Seconds()
	if r.window.messages == 0 && r.messages > 0 && r.errors == 0 && o.messages > 0 && !o.handshakes {
		// Every echo -n allowed came before the window: rates over it
		// would read 0 echoes/s, as if the server had stalled.
		before := "while connecting"
		if r.alive >= 0 {
			before += ", and one more right after the server's memory was read"
		}
		p("window", "none: each connection's echoes were all made before it (%s); raise -n for rates", before)
	} else if secs > 0 {
		hs := ""
		if r.window.dials > 0 {
			hs = fmt.Sprintf(", %s handshakes/s", count(float64(r.window.dials)/secs))
		}
		warm := ""
		if o.warmup > 0 {
			warm = fmt.Sprintf(" after a %v warm-up", o.warmup)
		}
		p("window", "%v%s: %s echoes/s, %.1f MB/s each way%s",
			r.window.elapsed.Round(time.Millisecond), warm, count(float64(r.window.messages)/secs),
			float64(r.window.nbytes)/secs/1e6, hs)
	}
	for _, h := range []struct {
		name string
		h    *hist
	}{{"round trip", r.rtt}, {"handshake", r.hs}} {
		if h.h.count() == 0 {
			continue
		}
		p(h.name, "min %v  p50 %v  p90 %v  p99 %v  max %v", dur(time.Duration(h.h.min.Load())),
			dur(h.h.percentile(.5)), dur(h.h.percentile(.9)), dur(h.h.percentile(.99)), dur(time.Duration(h.h.max.Load())))
	}
	r.printServer(p)
	p("totals", "%s, %s, %.1f MB each way, in %v", plural.Count(r.dials, "connection", "connections"), plural.Count(r.messages, "echo", "echoes"), float64(r.bytes)/1e6, r.elapsed.Round(time.Millisecond))
	p("mismatches", "%d%s", r.mismatches, first(r.firstMismatch))
	p("errors", "%d%s", r.errors, first(r.firstErr))
	if r.interrupted {
		p("interrupted", "stopped after %v, before the end of the run asked for", r.elapsed.Round(time.Millisecond))
	}
}

func (r *result) printServer(p func(label, format string, args ...any)) {
	if r.o.pid > 0 {
		if v, ok := r.perCPUSecond(); ok {
			what := "echoes"
			if r.o.handshakes {
				what = "full handshakes"
			}
			rough := ""
			if r.serverCPU < preciseCPU {
				rough = fmt.Sprintf(" (rough: /proc counts CPU time in %v ticks; a longer -d gives a closer figure)", clockTick)
			}
			p("server CPU", "pid %d: %.2f CPU-seconds in the window, %s %s per CPU-second%s",
				r.o.pid, r.serverCPU.Seconds(), count(v), what, rough)
		} else if r.start.ok && r.end.ok && r.serverCPU <= 0 && (r.window.messages > 0 || r.window.dials > 0) {
			// Asked for and not given, the figure would be missed
			// without a word, and a -pid of the wrong process (a
			// wrapper such as a shell or go run) is an easy slip.
			p("server CPU", "pid %d used no CPU time in a window of %s echoes: not the server's process (a wrapper such as a shell or go run is not), or a window shorter than /proc's %v tick",
				r.o.pid, count(float64(r.window.messages)), clockTick)
		}
	}
	if r.before.ok {
		p("server before", "goroutines %s, descriptors %s, RSS %s, %s", gor(r.before), fdn(r.before), mib(r.before.rss), r.baselineWhen())
	}
	if v, ok := r.perConnRSS(); ok {
		rough := ""
		if r.held.rss-r.before.rss < roughGrowth {
			// The RSS moves by the runtime's pages and spans, and by
			// whatever the server's garbage collector last gave back:
			// a growth this small is mostly that.
			rough = "; rough: a growth of under 1 MiB is mostly the runtime's own pages, and 1,000 or more connections give a steady figure"
		}
		p("server RSS", "%s before, %s with %s held: %s per connection (%s connections per GiB)%s",
			mib(r.before.rss), mib(r.held.rss), plural.Count(r.connected, "connection", "connections"), kib(v), count((1<<30)/max(v, 1)), rough)
	} else if r.rssFell() && r.connected > 0 && r.dropped() <= 0 {
		p("server RSS", "%s before, %s with %s held: no figure per connection, the RSS did not grow (a server gives back memory it held before, and a few connections fit in pages it has: a freshly started server and more connections give one)",
			mib(r.before.rss), mib(r.held.rss), plural.Count(r.connected, "connection", "connections"))
	} else if n := r.dropped(); n > 0 {
		p("server RSS", "no figure per connection: %d of the %d connections counted as held when it was read (%s) failed their next echo, so the server held fewer than counted",
			n, r.connected, mib(r.held.rss))
	}
	if r.middle.ok {
		p("server", "window start/middle/end: RSS %s / %s / %s (%+.1f%% at most), goroutines %s / %s / %s",
			mib(r.start.rss), mib(r.middle.rss), mib(r.end.rss), 100*r.rssDrift(),
			gor(r.start), gor(r.middle), gor(r.end))
	}
	if _, _, ok := r.levels.ends(); ok {
		p("server", "%s", r.levels.describe(0))
	}
	if r.after.ok {
		p("server after", "goroutines %s (before: %s), descriptors %s (before: %s)",
			gor(r.after), gor(r.before), fdn(r.after), fdn(r.before))
	}
	for _, s := range []serverSample{r.before, r.held, r.start, r.middle, r.end, r.after} {
		if s.err != nil {
			// Joined errors (the scrape's and /proc's) on one line.
			p("server", "sample failed: %s", strings.ReplaceAll(s.err.Error(), "\n", "; "))
			break
		}
	}
}

// rssDrift is the largest relative change of the server's RSS at the
// window's middle and end from its start.
func (r *result) rssDrift() float64 {
	if !r.start.ok || r.start.rss <= 0 {
		return 0
	}
	var d float64
	for _, s := range []serverSample{r.middle, r.end} {
		if c := float64(s.rss-r.start.rss) / float64(r.start.rss); s.rss >= 0 && abs(c) > abs(d) {
			d = c
		}
	}
	return d
}

func abs(f float64) float64 { return max(f, -f) }

func first(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprintf(" (first: %v)", err)
}

// dur writes a latency to three significant digits, as precise as the
// histogram it comes from.
func dur(d time.Duration) string {
	r := time.Duration(1)
	for d/r >= 1000 {
		r *= 10
	}
	return d.Round(r).String()
}

// mib writes an RSS; a negative one is unknown.
func mib(b int64) string {
	if b < 0 {
		return "?"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

// fdn writes a sample's open descriptors, or ? when they are unknown.
func fdn(s serverSample) string {
	if s.fds < 0 {
		return "?"
	}
	return fmt.Sprint(s.fds)
}

func kib(b float64) string { return fmt.Sprintf("%.1f KiB", b/(1<<10)) }
func gor(s serverSample) string {
	if s.goroutines < 0 {
		return "?"
	}
	return fmt.Sprint(s.goroutines)
}

// count writes a rate or count with thousands separators: 12,345.
func count(f float64) string {
	if f < 10 {
		return strconv.FormatFloat(f, 'g', 2, 64)
	}
	s := strconv.FormatInt(int64(math.Round(f)), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
