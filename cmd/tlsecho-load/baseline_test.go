package main

import (
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
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
// the goroutines it runs as go_goroutines, and with rss set its resident
// memory, as a function of the connections it accepted so far.
type lazyEcho struct {
	live     atomic.Int64
	accepted atomic.Int64
	rss      func(accepted int64) int64
	wg       sync.WaitGroup
	once     sync.Once
	quit     chan struct{}
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
		fmt.Fprintf(w, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", e.live.Load())
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
			e.goCounted(func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(time.Minute))
				io.Copy(c, c)
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
	e := &lazyEcho{}
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
	want := "server RSS    19.9 MiB before, 19.7 MiB with 4 connections held: no figure per connection, the RSS did not grow"
	if !strings.Contains(out.String(), want) || strings.Contains(out.String(), "connections per GiB") {
		t.Errorf("report lacks %q, or gives connections per GiB:\n%s", want, out.String())
	}
}
