package rawtls_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestShutdownClosesIdleAtOnce checks that connections quiet for longer
// than DrainQuiet are closed as soon as Shutdown starts, cleanly.
func TestShutdownClosesIdleAtOnce(t *testing.T) {
	t.Parallel()
	// "At once" is told from "after DrainQuiet" by the clock, so DrainQuiet
	// is long enough that closing three idle connections never takes as
	// long, even under -race on a loaded machine: each close waits up to
	// half a second for its client to close too, yet a busy two-core
	// machine, its goroutines stalled waiting for the garbage collector,
	// once took 3.1s.
	const quiet = 5 * time.Second
	ts := startServer(t, &rawtls.Server{DrainQuiet: quiet}, certs.Options{})
	clients := make([]*client, 3)
	for i := range clients {
		clients[i] = ts.mustDial(t, ts.clientConfig())
		if err := echo(clients[i], []byte("hello, then nothing")); err != nil {
			t.Fatal(err)
		}
	}
	// The precondition is a span of time: every client must have been
	// quiet for DrainQuiet. The server read each message before its echo
	// arrived, so that span has passed once quiet has passed from here.
	<-time.After(quiet)

	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	start := time.Now()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	// A server that waited DrainQuiet from the start of Shutdown would
	// take at least quiet.
	if took := time.Since(start); took >= quiet {
		t.Errorf("Shutdown took %v with only idle connections, want at once", took)
	}
	for i, c := range clients {
		// The deadline dial set has been running since before the wait
		// for DrainQuiet: each read gets its own.
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
			t.Errorf("client %d: read after Shutdown: %d bytes, %v; want io.EOF", i, n, err)
		}
		if err := c.wire.endsWithCloseNotify(tls.VersionTLS13); err != nil {
			t.Errorf("client %d: %v", i, err)
		}
	}
	if err := ts.served(t); !errors.Is(err, rawtls.ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
}

// drainTests run clients that keep sending while Shutdown begins.
var drainTests = []struct {
	name    string
	clients int
}{
	{name: "one client", clients: 1},
	// Shutdown wakes connections one after the other; with many busy
	// connections some are woken while already on their drain deadline.
	{name: "30 clients", clients: 30},
}

// TestShutdownDrainsSendingClients keeps clients sending after Shutdown
// has begun: each must get back every byte it sent, then, once it falls
// quiet, the server's close_notify, and Shutdown must return nil only
// after the last of them sent its last message.
func TestShutdownDrainsSendingClients(t *testing.T) {
	t.Parallel()
	const (
		// DrainQuiet is generous: these clients pause only between their
		// own round trips, and on a loaded machine under -race no such
		// pause may pass for a client that stopped sending.
		quiet = 4 * time.Second
		// Round trips each client makes before and after Shutdown begins.
		before, after = 3, 20
	)
	for _, tt := range drainTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := startServer(t, &rawtls.Server{DrainQuiet: quiet}, certs.Options{})
			clients := make([]*client, tt.clients)
			for i := range clients {
				clients[i] = ts.mustDial(t, ts.clientConfig())
			}

			var (
				wg       sync.WaitGroup
				started  sync.WaitGroup // each client has made its first round trips
				finished atomic.Int64   // clients whose last message is on its way
			)
			begun := make(chan struct{}) // Shutdown has closed the listener
			errs := make(chan error, 2*tt.clients)
			started.Add(tt.clients)
			for i, c := range clients {
				wg.Go(func() {
					startedOnce := sync.OnceFunc(started.Done)
					defer startedOnce()
					for n, left := 0, after; left > 0; n++ {
						if n == before {
							startedOnce()
						}
						select {
						case <-begun:
							left--
							if left == 0 {
								finished.Add(1)
							}
						default:
						}
						// Each exchange gets its own bound: 30 clients' round
						// trips under -race on a loaded machine can outlast
						// the one set at dial.
						c.SetDeadline(time.Now().Add(ioTimeout))
						if err := echo(c, fmt.Appendf(nil, "client %d message %d|", i, n)); err != nil {
							errs <- fmt.Errorf("client %d: message %d, %d before the end: %w", i, n, left, err)
							return
						}
					}
					// Now quiet: the server must close, cleanly.
					c.SetDeadline(time.Now().Add(ioTimeout))
					if n, err := c.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
						errs <- fmt.Errorf("client %d: read after its last message: %d bytes, %v; want io.EOF", i, n, err)
					}
					if err := c.wire.endsWithCloseNotify(tls.VersionTLS13); err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
					}
				})
			}

			started.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			shutErr := make(chan error, 1)
			go func() { shutErr <- ts.srv.Shutdown(ctx) }()
			// Shutdown closes the listener before it drains: a refused dial
			// is the sign that it has begun.
			waitFor(t, ioTimeout, "Shutdown to close the listener", func() bool {
				c, err := net.DialTimeout("tcp", ts.addr, ioTimeout)
				if err != nil {
					return true
				}
				c.Close()
				return false
			})
			close(begun)

			if err := <-shutErr; err != nil {
				t.Errorf("Shutdown: %v", err)
			}
			if n := finished.Load(); n != int64(tt.clients) {
				t.Errorf("Shutdown returned while %d of %d clients were still sending", int64(tt.clients)-n, tt.clients)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestShutdownCutsEndlessSender checks that a client that never stops
// sending is cut when Shutdown's context ends, that Shutdown reports it,
// and that nothing is left running.
func TestShutdownCutsEndlessSender(t *testing.T) {
	const grace = 500 * time.Millisecond
	ignore := goleak.IgnoreCurrent()
	// DrainQuiet well above grace: however the sender is scheduled, the
	// server must not take it for quiet before the context ends.
	ts := startServer(t, &rawtls.Server{DrainQuiet: 5 * time.Second}, certs.Options{})
	c := ts.mustDial(t, ts.clientConfig())

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		msg := bytes.Repeat([]byte("x"), 1024)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := c.Write(msg); err != nil {
				return
			}
		}
	})
	var echoed atomic.Int64
	readErr := make(chan error, 1)
	wg.Go(func() {
		_, err := io.Copy(countingWriter{&echoed}, c)
		readErr <- err
	})
	waitFor(t, ioTimeout, "the echo to flow", func() bool { return echoed.Load() >= 64<<10 })

	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := ts.srv.Shutdown(ctx)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown returned %v, want context.DeadlineExceeded", err)
	}
	// Not before the context ended; and then promptly, with seconds of room
	// for a loaded machine (an endless sender would otherwise hold
	// Shutdown forever).
	if took < grace || took > grace+5*time.Second {
		t.Errorf("Shutdown returned after %v, want about %v", took, grace)
	}
	select {
	case err := <-readErr:
		// Cut mid-stream: a FIN or a reset, whichever the kernel sends
		// for a socket closed with unread input, possibly in the middle
		// of a record.
		if err != nil && !isClosed(err) && !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("client read ended with %v, want end of stream or reset", err)
		}
	case <-time.After(ioTimeout):
		t.Errorf("client still connected %v after Shutdown returned", ioTimeout)
	}
	close(stop)
	c.Close()
	wg.Wait()
	if err := ts.served(t); !errors.Is(err, rawtls.ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	checkNoLeaks(t, ignore)
}

// countingWriter discards what it is given and counts it.
type countingWriter struct{ n *atomic.Int64 }

func (w countingWriter) Write(p []byte) (int, error) {
	w.n.Add(int64(len(p)))
	return len(p), nil
}
