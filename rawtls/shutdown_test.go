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
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestShutdownClosesIdleAtOnce checks that connections quiet for longer
// than DrainQuiet are closed as soon as Shutdown starts, cleanly.
func TestShutdownClosesIdleAtOnce(t *testing.T) {
	const quiet = 500 * time.Millisecond
	ts := startServer(t, &rawtls.Server{DrainQuiet: quiet}, certs.Options{})
	clients := make([]*client, 3)
	for i := range clients {
		clients[i] = ts.mustDial(t, ts.clientConfig())
		if err := echo(clients[i], []byte("hello, then nothing")); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(quiet + 50*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := ts.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(start); took > quiet/2 {
		t.Errorf("Shutdown took %v with only idle connections, want at once", took)
	}
	for i, c := range clients {
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

// TestShutdownDrainsSendingClients keeps clients sending for a while after
// Shutdown starts: each must get back every byte it sent, then the
// server's close_notify, and Shutdown must return nil once they are done.
func TestShutdownDrainsSendingClients(t *testing.T) {
	const (
		quiet    = 200 * time.Millisecond
		sendFor  = 800 * time.Millisecond
		shutAt   = 200 * time.Millisecond
		interval = 5 * time.Millisecond
	)
	for _, tt := range drainTests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, &rawtls.Server{DrainQuiet: quiet}, certs.Options{})
			clients := make([]*client, tt.clients)
			for i := range clients {
				clients[i] = ts.mustDial(t, ts.clientConfig())
			}

			var wg sync.WaitGroup
			errs := make(chan error, 2*tt.clients)
			start := time.Now()
			for i, c := range clients {
				var sent bytes.Buffer
				writerDone := make(chan struct{})
				wg.Go(func() {
					defer close(writerDone)
					for n := 0; time.Since(start) < sendFor; n++ {
						msg := fmt.Appendf(nil, "client %d message %d|", i, n)
						sent.Write(msg)
						if _, err := c.Write(msg); err != nil {
							errs <- fmt.Errorf("client %d: write %d during Shutdown: %w", i, n, err)
							return
						}
						time.Sleep(interval)
					}
				})
				wg.Go(func() {
					got, err := io.ReadAll(c)
					<-writerDone
					if err != nil {
						errs <- fmt.Errorf("client %d: read: %w", i, err)
					}
					if !bytes.Equal(got, sent.Bytes()) {
						errs <- fmt.Errorf("client %d: got %d bytes back, sent %d; differ at %d",
							i, len(got), sent.Len(), firstDiff(got, sent.Bytes()))
					}
					if err := c.wire.endsWithCloseNotify(tls.VersionTLS13); err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
					}
				})
			}

			time.Sleep(shutAt)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			shutStart := time.Now()
			shutErr := ts.srv.Shutdown(ctx)
			took := time.Since(shutStart)
			if shutErr != nil {
				t.Errorf("Shutdown: %v", shutErr)
			}
			if min := sendFor - shutAt; took < min-50*time.Millisecond {
				t.Errorf("Shutdown returned after %v while clients sent for %v more", took, min)
			}
			if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
				t.Errorf("new connection accepted after Shutdown")
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
	ts := startServer(t, &rawtls.Server{DrainQuiet: 100 * time.Millisecond}, certs.Options{})
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
			time.Sleep(2 * time.Millisecond)
		}
	})
	readErr := make(chan error, 1)
	wg.Go(func() {
		_, err := io.Copy(io.Discard, c)
		readErr <- err
	})

	time.Sleep(100 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	start := time.Now()
	err := ts.srv.Shutdown(ctx)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown returned %v, want context.DeadlineExceeded", err)
	}
	if took < grace-20*time.Millisecond || took > grace+time.Second {
		t.Errorf("Shutdown returned after %v, want about %v", took, grace)
	}
	select {
	case err := <-readErr:
		// Cut mid-stream: a FIN or a reset, whichever the kernel sends
		// for a socket closed with unread input.
		if err != nil && !isClosed(err) {
			t.Errorf("client read ended with %v, want end of stream or reset", err)
		}
	case <-time.After(2 * time.Second):
		t.Errorf("client still connected 2s after Shutdown returned")
	}
	close(stop)
	c.Close()
	wg.Wait()
	if err := ts.served(t); !errors.Is(err, rawtls.ErrServerClosed) {
		t.Errorf("Serve returned %v, want ErrServerClosed", err)
	}
	checkNoLeaks(t, ignore)
}
