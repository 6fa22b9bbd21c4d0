package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// droppingEcho is a raw TLS echo on loopback that drops every dropEvery-th
// connection (none when 0) silently right after its first echo of size
// bytes: a bare TCP close, which a client waiting idle does not notice
// until it next sends.
func droppingEcho(t *testing.T, cert *tls.Certificate, size, dropEvery int) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{*cert}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	var n atomic.Int64
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			drop := dropEvery > 0 && n.Add(1)%int64(dropEvery) == 0
			wg.Go(func() {
				tc := c.(*tls.Conn)
				defer tc.Close()
				tc.SetDeadline(time.Now().Add(time.Minute))
				first := make([]byte, size)
				if _, err := io.ReadFull(tc, first); err != nil {
					return
				}
				if _, err := tc.Write(first); err != nil {
					return
				}
				if drop {
					tc.NetConn().Close()
					return
				}
				io.Copy(tc, tc)
			})
		}
	})
	return "tls://" + ln.Addr().String()
}

// TestHeldConnectionsChecked: the memory per held connection divides by
// the connections the server really held when it was read. Each held
// connection echoes once more right after the reading; when the server
// had silently dropped some, the run fails and gives no figure per
// connection instead of a wrong one. (The server is this process, read
// from /proc with -pid.)
func TestHeldConnectionsChecked(t *testing.T) {
	cert, caFile := testCert(t)
	tests := []struct {
		name      string
		dropEvery int
		n         string // -n
		alive     int
		report    string
	}{
		{"all held", 0, "3", 8, " per connection ("},
		{"every other dropped", 2, "3", 4, "no figure per connection: 4 of the 8 connections counted as held when it was read"},
		// As compare's idle rows: the clients finish right after the
		// echo that shows they were held.
		{"one message", 0, "1", 8, " per connection ("},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := droppingEcho(t, cert, 64, tt.dropEvery)
			o, err := parse([]string{"-c", "8", "-n", tt.n, "-size", "64", "-d", "1m", "-timeout", "10s",
				"-ca", caFile, "-pid", strconv.Itoa(os.Getpid()), u}, &bytes.Buffer{})
			if err != nil {
				t.Fatal(err)
			}
			l, err := newLoader(o)
			if err != nil {
				t.Fatal(err)
			}
			res := l.run(context.Background(), nil)
			var out bytes.Buffer
			res.print(&out)
			t.Logf("%s", out.String())
			_, perConn := res.perConnRSS()
			report := strings.Contains(out.String(), tt.report)
			if tt.alive == 8 && !perConn && strings.Contains(out.String(), "the RSS did not grow") {
				// The server is this process, whose RSS moves with the
				// other tests' garbage: 8 connections may fit in pages
				// it has, and then no figure is the right answer. What
				// matters here is that none was dropped.
				perConn, report = true, true
			}
			if res.connected != 8 || res.alive != tt.alive || perConn != (tt.alive == 8) || res.failed() != (tt.alive < 8) || !report {
				t.Errorf("%d held, %d alive after the reading, figure per connection %v, failed %v; want 8, %d, %v, %v and %q in the report:\n%s",
					res.connected, res.alive, perConn, res.failed(), tt.alive, tt.alive == 8, tt.alive < 8, tt.report, out.String())
			}
		})
	}
}

// TestHeldAliveAfterClientsFinished: the clients may all have finished
// (allDone closed) by the time the run looks at the barrier of the echo
// after the server sample, since with -n 1 or 2 they close right after
// it. A barrier that opened still gives the count, every time: the run
// must not take the finished clients for a run that ended first and drop
// the figure per connection.
func TestHeldAliveAfterClientsFinished(t *testing.T) {
	allDone := make(chan struct{})
	close(allDone)
	for i := range 200 {
		l := &loader{checked: newBarrier(2)}
		l.alive.Add(2)
		l.checked.arrive()
		l.checked.arrive()
		if got := l.heldAlive(context.Background(), allDone); got != 2 {
			t.Fatalf("round %d: %d alive with the barrier open and every client done, want 2", i, got)
		}
	}
	// A run stopped before every held connection echoed has no count.
	l := &loader{checked: newBarrier(2)}
	l.checked.arrive()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := l.heldAlive(ctx, make(chan struct{})); got != -1 {
		t.Errorf("%d alive for a run stopped before the barrier opened, want -1", got)
	}
}

// TestFewEchoesNoRates: with -n 1 and -pid each connection echoes twice,
// once while connecting and once right after the server's memory was
// read, both before the measured window. The totals count both, and the
// empty window gives no rate and no echoes per CPU-second (which read 0,
// as if the server had stalled), but says why.
func TestFewEchoesNoRates(t *testing.T) {
	tlsURL, wssURL, caFile, stop := servers(t)
	defer stop()
	res := load(t, "-c", "4", "-n", "1", "-size", "64", "-ca", caFile, "-progress", "0",
		"-pid", strconv.Itoa(os.Getpid()), tlsURL, wssURL)
	var out bytes.Buffer
	res.print(&out)
	if res.failed() || res.messages != 8 || res.window.messages != 0 {
		t.Fatalf("%d echoes, %d in the window, failed %v; want 8 (two per connection), 0, false", res.messages, res.window.messages, res.failed())
	}
	for _, want := range []string{
		"totals        4 connections, 8 echoes,",
		"window        none: each connection's echoes were all made before it (while connecting, and one more right after the server's memory was read); raise -n for rates\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "echoes/s") {
		t.Errorf("report gives a rate over a window without echoes:\n%s", out.String())
	}
	// The server's CPU clock counts in ticks: one may fall in the window.
	res.serverCPU = clockTick
	if v, ok := res.perCPUSecond(); ok {
		t.Errorf("%v echoes per CPU-second over a window without echoes, want none", v)
	}
}

// TestRoughServerCPU: /proc counts the server's CPU time in 10 ms ticks,
// so over a short window the echoes per CPU-second can be off by half or
// more (one tick more or less of 0.02 s). The report flags such a figure
// as rough and gives a closer one without comment.
func TestRoughServerCPU(t *testing.T) {
	for _, tt := range []struct {
		cpu   time.Duration
		rough bool
	}{{2 * clockTick, true}, {900 * time.Millisecond, true}, {time.Second, false}, {5 * time.Second, false}} {
		res := &result{o: &options{pid: os.Getpid()}, rtt: &hist{}, hs: &hist{}, alive: -1, serverCPU: tt.cpu,
			window: window{elapsed: time.Second, messages: 1000}}
		var out bytes.Buffer
		res.print(&out)
		if !strings.Contains(out.String(), "server CPU") || strings.Contains(out.String(), "(rough: ") != tt.rough {
			t.Errorf("%v of server CPU: flagged rough %v, want %v:\n%s", tt.cpu, !tt.rough, tt.rough, out.String())
		}
	}
}

// TestServerCPUNotMoved: a -pid whose CPU time did not move while the
// window echoed (a wrapper's, not the server's) gives no figure, and the
// report says so rather than leave out the line asked for.
func TestServerCPUNotMoved(t *testing.T) {
	res := &result{o: &options{pid: 4242}, rtt: &hist{}, hs: &hist{}, alive: -1,
		start: serverSample{ok: true, cpu: time.Second}, end: serverSample{ok: true, cpu: time.Second},
		window: window{elapsed: 3 * time.Second, messages: 316717}}
	var out bytes.Buffer
	res.print(&out)
	if !strings.Contains(out.String(), "server CPU    pid 4242 used no CPU time in a window of 316,717 echoes") {
		t.Errorf("a server process that used no CPU in a window of echoes, not reported:\n%s", out.String())
	}
}

// TestWindowCPU: the server CPU time of a run is what the server used in
// the window, not its total since it started. The servers are this
// process (-pid of itself): the window's CPU time is some, and no more
// than the process used over the whole run.
func TestWindowCPU(t *testing.T) {
	tlsURL, wssURL, caFile, stop := servers(t)
	defer stop()
	cpu := func() time.Duration {
		c, _, _, err := readProc(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c0 := cpu()
	res := load(t, "-c", "4", "-d", "1s", "-size", "64", "-ca", caFile, "-progress", "0",
		"-pid", strconv.Itoa(os.Getpid()), tlsURL, wssURL)
	run := cpu() - c0
	if res.failed() || res.serverCPU <= 0 || res.serverCPU > run {
		t.Errorf("server CPU %v in the window, %v over the whole run, failed %v; want some, no more than the run's", res.serverCPU, run, res.failed())
	}
}
