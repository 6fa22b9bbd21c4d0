package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// series is n readings around base (bytes) that rise by grow (a
// fraction of base) from the first to the last, with every step-th
// reading jumping by jump (a fraction of base): the swings one reading
// under load shows.
func series(n int, base float64, grow, jump float64, step int) *rssLevels {
	l := &rssLevels{}
	for i := range n {
		v := base * (1 + grow*float64(i)/float64(n-1))
		if step > 0 && i%step == 0 {
			v += base * jump
			jump = -jump
		}
		l.samples = append(l.samples, int64(v))
	}
	return l
}

func TestSoakRSSVerdict(t *testing.T) {
	const mib = 1 << 20
	for _, tt := range []struct {
		name string
		l    *rssLevels
		want bool
	}{
		{"flat", series(600, 100*mib, 0, 0, 0), true},
		// A swing of 20% on a reading in three, up and down in turn, the
		// first reading up and the last down: those two alone differ
		// by a third.
		{"flat, every third reading swinging by 20%", series(598, 100*mib, 0, 0.20, 3), true},
		{"growing 8% over the window", series(600, 100*mib, 0.08, 0, 0), true},
		{"growing 15% over the window", series(600, 100*mib, 0.15, 0, 0), false},
		{"growing 15%, every third reading swinging by 20%", series(598, 100*mib, 0.15, 0.20, 3), false},
		{"falling 15% over the window", series(600, 100*mib, -0.15, 0, 0), false},
		{"too few readings", series(minLevelSamples-1, 100*mib, 0, 0, 0), false},
		{"none", nil, false},
		{"a reading failed", func() *rssLevels { l := series(600, 100*mib, 0, 0, 0); l.failed = 1; return l }(), false},
	} {
		if got := levelsHold(tt.l); got != tt.want {
			t.Errorf("%s: passes %v, want %v: %s", tt.name, got, tt.want, tt.l.describe(soakDrift))
		}
	}
	// The swinging series is the case the level is for: its end points
	// alone are a third apart.
	l := series(598, 100*mib, 0, 0.20, 3)
	if d := float64(l.samples[len(l.samples)-1]-l.samples[0]) / float64(l.samples[0]); abs(d) < 0.3 {
		t.Errorf("the swinging series' end points differ by %.0f%%; want 30%% or more", 100*d)
	}
}

func TestRSSLevelsDescribe(t *testing.T) {
	l := &rssLevels{samples: []int64{10 << 20, 10 << 20, 11 << 20, 12 << 20, 10 << 20, 10 << 20, 11 << 20, 10 << 20, 11 << 20, 11 << 20}}
	want := "RSS 10.0 MiB over the window's first fifth, 11.0 MiB over its last (medians of 2 readings each, +10.0%, within ±10%); 10.0 MiB-12.0 MiB over all 10 readings"
	if got := l.describe(soakDrift); got != want {
		t.Errorf("describe:\n got %s\nwant %s", got, want)
	}
	if got := (*rssLevels)(nil).describe(soakDrift); !strings.Contains(got, "read 0 times") {
		t.Errorf("describe of no readings: %s", got)
	}
}

// TestRSSLevelsReadThroughWindow runs a load with -pid and checks that
// the server's RSS was read through the window and reported: the server
// here is this test process.
func TestRSSLevelsReadThroughWindow(t *testing.T) {
	tlsURL, _, caFile, stop := servers(t)
	defer stop()
	res := load(t, "-c", "2", "-d", "1s", "-size", "64", "-ca", caFile, "-pid", strconv.Itoa(os.Getpid()), tlsURL)
	var out bytes.Buffer
	res.print(&out)
	if res.failed() || res.levels == nil || len(res.levels.samples) < minLevelSamples || res.levels.failed > 0 {
		t.Fatalf("levels %+v; want %d readings or more, none failed\n%s", res.levels, minLevelSamples, out.String())
	}
	self, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	now, err := parseStatusRSS(string(self))
	if err != nil {
		t.Fatal(err)
	}
	// This process's RSS, read the same way a moment later: each
	// reading must be of the same order, not a unit or field away.
	for _, v := range res.levels.samples {
		if v < now/4 || v > now*4 {
			t.Fatalf("reading %d bytes; this process holds %d", v, now)
		}
	}
	if !strings.Contains(out.String(), "over the window's first fifth") {
		t.Errorf("report without the RSS levels:\n%s", out.String())
	}
}

// TestRSSShortWindowReadEnough: a short window (a soak's -d of 100ms) is
// still read often enough for a figure of its level, with room to spare
// (the soak's window begins after a sample of its own, and a loaded
// machine drops ticks), rather than failing the soak for readings it
// never took. The room is in the interval: four times the readings
// needed, which a floor of 10 ms cut to the bare ten. The readings then
// taken must be enough on this machine, however loaded: with two other
// test runs beside it, a 100 ms window got 16 of its 40. The server here
// is this process; the reader ends with the window (goleak).
func TestRSSShortWindowReadEnough(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	p := newProbe(os.Getpid(), "", false)
	for _, d := range []time.Duration{100 * time.Millisecond, 200 * time.Millisecond} {
		if every := rssEvery(d); d/every < 4*minLevelSamples {
			t.Errorf("a window of %v is read every %v: %d readings at best, want %d", d, every, d/every, 4*minLevelSamples)
		}
		ctx, cancel := context.WithTimeout(t.Context(), d)
		l := trackRSS(ctx, p, rssEvery(d))
		cancel()
		if len(l.samples) < minLevelSamples || l.failed > 0 {
			t.Errorf("a window of %v: %s", d, l.describe(soakDrift))
		}
	}
}

// TestRSSLevelsDescribeFailedReads: a server that exited early in the
// window leaves few readings and many failed ones; the line says both,
// not only that the readings were few.
func TestRSSLevelsDescribeFailedReads(t *testing.T) {
	l := &rssLevels{samples: []int64{10 << 20, 10 << 20, 10 << 20}, failed: 57}
	got := l.describe(soakDrift)
	if !strings.Contains(got, "read 3 times") || !strings.Contains(got, "57 readings failed") {
		t.Errorf("describe of 3 readings and 57 failed: %s", got)
	}
}

// TestRSSLevelsHungScrape: with -metrics and no -pid, a scrape that
// hangs is given up when the window ends, not held for the client's
// timeout (10 s), which would hold the end of the run with it.
func TestRSSLevelsHungScrape(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	asked := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case asked <- struct{}{}:
		default:
		}
		<-r.Context().Done() // hangs until the client gives up
	}))
	defer srv.Close()
	p := newProbe(0, srv.URL+"/metrics", false)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan *rssLevels, 1)
	go func() { done <- trackRSS(ctx, p, 10*time.Millisecond) }()
	<-asked
	start := time.Now()
	cancel()
	select {
	case l := <-done:
		if took := time.Since(start); took > 5*time.Second {
			t.Fatalf("the readings ended %v after the window", took)
		}
		if l.failed != 0 {
			t.Errorf("%d readings counted as failed; the one the window's end cut is not", l.failed)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the readings did not end with the window")
	}
}

// TestSoakVerdicts: a soak passes only with every echo right, echoes in
// its window, a level RSS, the server read at the window's start and end
// and everything back to the baseline; each of those alone fails it. A
// soak whose echoes all came before the window (-n 2) says nothing about
// a server under load.
func TestSoakVerdicts(t *testing.T) {
	good := func() *result {
		s := serverSample{ok: true, goroutines: 17, fds: 14, rss: 100 << 20}
		return &result{o: &options{}, dials: 1000, messages: 5000, before: s, start: s, middle: s, end: s, after: s,
			window: window{elapsed: time.Minute, messages: 4000, nbytes: 4000 << 10},
			levels: series(60, 100<<20, 0, 0, 0)}
	}
	o := &options{sizes: sizeRange{1, 1 << 20}}
	for _, tt := range []struct {
		name  string
		spoil func(r *result)
	}{
		{"a mismatch", func(r *result) { r.mismatches = 1 }},
		{"an error", func(r *result) { r.errors = 1 }},
		{"no echo in the window", func(r *result) { r.window.messages, r.window.nbytes = 0, 0 }},
		{"RSS growing 15%", func(r *result) { r.levels = series(60, 100<<20, 0.15, 0, 0) }},
		{"server not read at the end", func(r *result) { r.end = serverSample{goroutines: -1, fds: -1, rss: -1, err: io.EOF} }},
		{"a goroutine more after", func(r *result) { r.after.goroutines++ }},
	} {
		for _, v := range soakVerdicts(good(), o) {
			if !v.ok {
				t.Fatalf("a good soak fails: %s", v.what)
			}
		}
		r := good()
		tt.spoil(r)
		failed := false
		for _, v := range soakVerdicts(r, o) {
			failed = failed || !v.ok
		}
		if !failed {
			t.Errorf("%s: the soak passes", tt.name)
		}
	}
}
