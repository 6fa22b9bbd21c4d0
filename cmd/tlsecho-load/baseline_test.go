package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lazyEcho is a raw TLS echo server that starts one goroutine of its own
// on its first connection and keeps it until it stops, as a server may
// (tlsecho's accept loops and certificate watcher start a moment after
// its ports accept, which a first scrape can see). Its /metrics reports
// the goroutines it runs as go_goroutines, with rss set its resident
// memory, as a function of the connections it accepted so far, and with
// fds set its open descriptors.
type lazyEcho struct {
	live     atomic.Int64
	accepted atomic.Int64
	rss      func(accepted int64) int64
	fds      int // reported as process_open_fds when positive
	// gone, when set, makes /metrics answer 503 from the moment it
	// reports true, given the connections accepted and open: a server
	// that went away.
	gone func(accepted, open int64) bool
	open atomic.Int64
	// flicker, when set, adds one to every other go_goroutines: a
	// server whose figures never hold still.
	flicker bool
	scrapes atomic.Int64
	// linger, when set, keeps each connection's goroutine this long
	// after the connection closed: a server whose goroutines go a while
	// after its clients.
	linger time.Duration
	wg     sync.WaitGroup
	once   sync.Once
	quit   chan struct{}
}

// goCounted runs f in a goroutine counted in live while it runs.
func (e *lazyEcho) goCounted(f func()) {
	e.live.Add(1)
	e.wg.Go(func() {
		defer e.live.Add(-1)
		f()
	})
}

// serve starts the echo and its metrics and returns their URLs.
func (e *lazyEcho) serve(t *testing.T, cert *tls.Certificate) (target, metrics string) {
	e.quit = make(chan struct{})
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	ml, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e.gone != nil && e.gone(e.accepted.Load(), e.open.Load()) {
			http.Error(w, "gone", http.StatusServiceUnavailable)
			return
		}
		g := e.live.Load()
		if n := e.scrapes.Add(1); e.flicker {
			g += n % 2
		}
		fmt.Fprintf(w, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", g)
		if e.fds > 0 {
			fmt.Fprintf(w, "process_open_fds %d\n", e.fds)
		}
		if e.rss != nil {
			fmt.Fprintf(w, "process_resident_memory_bytes %d\n", e.rss(e.accepted.Load()))
		}
	})}
	go ms.Serve(ml)
	t.Cleanup(func() { l.Close(); ms.Close(); close(e.quit); e.wg.Wait() })
	e.goCounted(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			e.accepted.Add(1)
			e.once.Do(func() { e.goCounted(func() { <-e.quit }) })
			e.open.Add(1)
			e.goCounted(func() {
				defer e.open.Add(-1)
				defer c.Close()
				c.SetDeadline(time.Now().Add(time.Minute))
				io.Copy(c, c)
				c.Close()
				select {
				case <-time.After(e.linger):
				case <-e.quit:
				}
			})
		}
	})
	return "tls://" + l.Addr().String(), "http://" + ml.Addr().String() + "/metrics"
}

// TestBaselineAfterWarmup: a goroutine the server starts on its first
// connection and keeps is not a leak of the run. The baseline is taken
// once a warm-up connection has closed, so the goroutines are back to it
// after the clients closed, and the report says when it was taken.
func TestBaselineAfterWarmup(t *testing.T) {
	cert, caFile := testCert(t)
	e := &lazyEcho{fds: 9}
	target, metrics := e.serve(t, cert)
	res := load(t, "-c", "4", "-n", "3", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
	var out bytes.Buffer
	res.print(&out)
	if v := backToBaseline(res); res.failed() || !v.ok || res.dials != 4 || res.messages != 12 {
		t.Errorf("%d connections, %d echoes, failed %v, verdict %v %q; want 4, 12 (the warm-up not counted), a pass",
			res.dials, res.messages, res.failed(), v.ok, v.what)
	}
	if want := "server before goroutines 2, "; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), baselineWhen) {
		t.Errorf("report lacks %q and when it was taken:\n%s", want, out.String())
	}
}

// TestSettledAfterLoad: a server whose connection goroutines end a
// while after their connections closed (here 300 ms) is read again until
// its goroutines are back to the baseline, rather than once right after
// the clients closed, which would fail the back-to-baseline verdict of a
// server that leaked nothing.
func TestSettledAfterLoad(t *testing.T) {
	cert, caFile := testCert(t)
	e := &lazyEcho{fds: 9, linger: 300 * time.Millisecond}
	target, metrics := e.serve(t, cert)
	res := load(t, "-c", "4", "-n", "2", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
	if v := backToBaseline(res); res.failed() || !v.ok {
		t.Errorf("failed %v, verdict %v %q; want a pass", res.failed(), v.ok, v.what)
	}
}

// TestBaselineUnsteady: a server whose goroutines change from every
// reading to the next never gives the baseline the two equal readings it
// waits for. After 5 s the baseline is the last reading, which the
// report and the back-to-baseline verdict said was taken once the
// warm-up had closed, as if settled; they now say it is no settled
// baseline.
func TestBaselineUnsteady(t *testing.T) {
	// Its own echo and metrics, nothing of the process: it waits out
	// the 5 s a baseline gets beside the other tests that wait.
	t.Parallel()
	cert, caFile := testCert(t)
	for _, tt := range []struct {
		name     string
		flicker  bool
		unsteady bool
	}{
		{"holds still", false, false},
		{"flickers", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &lazyEcho{flicker: tt.flicker}
			target, metrics := e.serve(t, cert)
			res := load(t, "-c", "2", "-n", "2", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
			var out bytes.Buffer
			res.print(&out)
			const flag = "no settled baseline"
			v := backToBaseline(res)
			if got := strings.Contains(out.String(), flag) && strings.Contains(v.what, flag); got != tt.unsteady || res.failed() {
				t.Errorf("report and verdict say %q: %v, want %v; failed %v\nverdict: %s\n%s", flag, got, tt.unsteady, res.failed(), v.what, out.String())
			}
		})
	}
}

// TestRSSFell: a server that had run a load before gives back memory as
// the new connections take theirs, and its RSS with all held can be
// below the one before. The difference is no figure per connection: the
// report said "-20.2 KiB per connection (1,073,741,824 connections per
// GiB)". It gives none now, and says why.
func TestRSSFell(t *testing.T) {
	cert, caFile := testCert(t)
	e := &lazyEcho{rss: func(accepted int64) int64 { return 20<<20 - accepted*(64<<10) }}
	target, metrics := e.serve(t, cert)
	res := load(t, "-c", "4", "-n", "3", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
	var out bytes.Buffer
	res.print(&out)
	if v, ok := res.perConnRSS(); ok || res.failed() {
		t.Errorf("%s per connection, failed %v; want no figure and a pass", kib(v), res.failed())
	}
	want := "server RSS    19.9 MiB before, 19.7 MiB with 4 connections held: no figure per connection, the RSS did not grow (a server gives back memory it held before, and a few connections fit in pages it has: a freshly started server and more connections give one)\n"
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "connections per GiB") {
		t.Errorf("report lacks %q, or gives connections per GiB:\n%s", want, out.String())
	}
}

// TestRSSRoughFlagged: a handful of connections grow the RSS by a few of
// the runtime's pages, and their figure per connection is noise (8
// connections on a fresh tlsecho: 3.0 KiB each, where 5,000 give 13.5).
// A growth under 1 MiB is given, and flagged as rough; a larger one is
// not flagged.
func TestRSSRoughFlagged(t *testing.T) {
	cert, caFile := testCert(t)
	const flag = "; rough: a growth of under 1 MiB"
	for _, tt := range []struct {
		name    string
		perConn int64
		rough   bool
	}{
		{"small growth", 16 << 10, true},
		{"growth just under 1 MiB", 192 << 10, true},
		{"growth of 1 MiB", 256 << 10, false},
		{"large growth", 512 << 10, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := &lazyEcho{rss: func(accepted int64) int64 { return 20<<20 + accepted*tt.perConn }}
			target, metrics := e.serve(t, cert)
			res := load(t, "-c", "4", "-n", "3", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
			var out bytes.Buffer
			res.print(&out)
			if v, ok := res.perConnRSS(); !ok || v != float64(tt.perConn) || res.failed() {
				t.Fatalf("%s per connection (given: %v), failed %v; want %s and a pass\n%s", kib(v), ok, res.failed(), kib(float64(tt.perConn)), out.String())
			}
			if got := strings.Contains(out.String(), flag); got != tt.rough || !strings.Contains(out.String(), "per connection") {
				t.Errorf("flagged rough: %v, want %v:\n%s", got, tt.rough, out.String())
			}
		})
	}
}

// TestUnknownServerFigures: with -metrics alone, the descriptors and the
// RSS are what the server's exposition says (tlsecho's has
// process_open_fds and process_resident_memory_bytes), and unknown
// where it says nothing: the report read "descriptors 0 (before: 0)" and
// "RSS 0.0 MiB", as if measured.
func TestUnknownServerFigures(t *testing.T) {
	cert, caFile := testCert(t)
	for _, tt := range []struct {
		name  string
		e     *lazyEcho
		want  []string
		never string
	}{
		{"bare", &lazyEcho{}, []string{
			"server before goroutines 2, descriptors ?, RSS ?, ",
			"server after  goroutines 2 (before: 2), descriptors ? (before: ?)\n",
		}, "server RSS"},
		{"descriptors and RSS", &lazyEcho{fds: 9, rss: func(n int64) int64 { return 16<<20 + n*(64<<10) }}, []string{
			"server before goroutines 2, descriptors 9, RSS 16.1 MiB, ",
			"server RSS    16.1 MiB before, 16.3 MiB with 4 connections held: 64.0 KiB per connection",
			"server after  goroutines 2 (before: 2), descriptors 9 (before: 9)\n",
		}, "?"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			target, metrics := tt.e.serve(t, cert)
			res := load(t, "-c", "4", "-n", "3", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
			var out bytes.Buffer
			res.print(&out)
			for _, want := range tt.want {
				if !strings.Contains(out.String(), want) {
					t.Errorf("report lacks %q:\n%s", want, out.String())
				}
			}
			if strings.Contains(out.String(), tt.never) || res.failed() {
				t.Errorf("report has %q, or failed:\n%s", tt.never, out.String())
			}
		})
	}
}

// TestBaselineWarmupFailed: when a warm-up connection fails, the report
// does not claim the baseline was taken after each had echoed and closed;
// it says how many failed, and the run fails with the warm-up's error.
func TestBaselineWarmupFailed(t *testing.T) {
	cert, caFile := testCert(t)
	e := &lazyEcho{}
	target, metrics := e.serve(t, cert)
	res := load(t, "-c", "2", "-n", "3", "-size", "64", "-ca", caFile, "-progress", "0", "-timeout", "10s",
		"-metrics", metrics, listenFailing(t), target)
	var out bytes.Buffer
	res.print(&out)
	want := "server before goroutines 2, descriptors ?, RSS ?, after 1 of 2 warm-up connections failed\n"
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), baselineWhen) ||
		!res.failed() || !strings.Contains(fmt.Sprint(res.firstErr), "warm-up") {
		t.Errorf("report lacks %q, or claims %q, or the run passed, or its first error is not the warm-up's:\n%s", want, baselineWhen, out.String())
	}
}

// TestServerGoneAfterLoad: a server whose /metrics stops answering once
// the clients have closed (it exited) cannot settle. The run waited the
// whole 30 s for it, shown as "closing"; it stops after a few failed
// samples now, and the report says the sample failed.
func TestServerGoneAfterLoad(t *testing.T) {
	cert, caFile := testCert(t)
	e := &lazyEcho{gone: func(accepted, open int64) bool { return accepted == 5 && open == 0 }}
	target, metrics := e.serve(t, cert)
	t0 := time.Now()
	res := load(t, "-c", "4", "-n", "3", "-size", "64", "-ca", caFile, "-progress", "0", "-metrics", metrics, target)
	took := time.Since(t0)
	var out bytes.Buffer
	res.print(&out)
	if res.after.ok || took > 15*time.Second || !strings.Contains(out.String(), "sample failed: GET "+metrics+": 503") {
		t.Errorf("after the load: sample ok %v, the run took %v; want a failed sample, reported, well within the 30 s a server gets to settle:\n%s",
			res.after.ok, took.Round(time.Millisecond), out.String())
	}
}

// TestFailedSampleUnknown: a sample of a server that has exited (no
// /proc entry, /metrics refusing) has no figures. Its RSS read as 0, and
// the report gave the window's end as "0.0 MiB (-100.0% at most)", with
// the sample's two errors on two lines, the second without a label.
func TestFailedSampleUnknown(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/pid_max")
	if err != nil {
		t.Skip("no /proc here")
	}
	gone, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	gone++ // no process has an id above pid_max
	e := &lazyEcho{gone: func(int64, int64) bool { return true }}
	cert, _ := testCert(t)
	_, metrics := e.serve(t, cert)
	failed := newProbe(gone, metrics, false).sample()
	if failed.ok || failed.rss >= 0 || failed.fds >= 0 || failed.goroutines >= 0 {
		t.Errorf("failed sample: ok %v, RSS %d, descriptors %d, goroutines %d; want not ok and all unknown (-1)",
			failed.ok, failed.rss, failed.fds, failed.goroutines)
	}
	self := newProbe(os.Getpid(), "", false)
	res := &result{o: &options{pid: gone}, rtt: &hist{}, hs: &hist{}, alive: -1, start: self.sample(), middle: self.sample(), end: failed}
	var out bytes.Buffer
	res.print(&out)
	want := fmt.Sprintf("server        sample failed: open /proc/%d/stat: no such file or directory; GET %s: 503 Service Unavailable\n", gone, metrics)
	if !strings.Contains(out.String(), " / ?") || strings.Contains(out.String(), "-100.0%") || !strings.Contains(out.String(), want) {
		t.Errorf("report should give the window's end RSS as ? (not -100%%) and %q:\n%s", want, out.String())
	}
}
