package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// result sums what the clients saw.
type result struct {
	conns, handshakes, messages, errors int
	firstErr                            error
	bytes                               int64
	rtts                                []time.Duration
	hsTimes                             []time.Duration
	elapsed                             time.Duration
}

// echoer is one connected client of either kind.
type echoer interface {
	echo(msg, buf []byte) error
	Close() error
}

type tlsEchoer struct{ *tls.Conn }

func (c tlsEchoer) echo(msg, buf []byte) error {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(msg); err != nil {
		return err
	}
	_, err := io.ReadFull(c, buf)
	return err
}

type wsEchoer struct{ *websocket.Conn }

func (c wsEchoer) echo(msg, buf []byte) error {
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := c.WriteMessage(websocket.BinaryMessage, msg); err != nil {
		return err
	}
	_, r, err := c.NextReader()
	if err != nil {
		return err
	}
	n, err := io.ReadFull(r, buf)
	if err != nil {
		return err
	}
	if n != len(buf) {
		return fmt.Errorf("echo of %d bytes, sent %d", n, len(buf))
	}
	return nil
}

func dial(ctx context.Context, o *options) (echoer, time.Duration, error) {
	tlsCfg := &tls.Config{InsecureSkipVerify: o.insecure, ServerName: o.target.Hostname()}
	start := time.Now()
	if o.target.Scheme == "tls" {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 10 * time.Second}, Config: tlsCfg}
		c, err := d.DialContext(ctx, "tcp", o.target.Host)
		if err != nil {
			return nil, 0, err
		}
		return tlsEchoer{c.(*tls.Conn)}, time.Since(start), nil
	}
	d := websocket.Dialer{TLSClientConfig: tlsCfg, HandshakeTimeout: 10 * time.Second}
	c, _, err := d.DialContext(ctx, o.target.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	return wsEchoer{c}, time.Since(start), nil
}

// drive runs o.conns clients until ctx ends or each sent o.messages.
func drive(ctx context.Context, o *options) *result {
	var (
		mu  sync.Mutex
		res = &result{}
		wg  sync.WaitGroup
	)
	start := time.Now()
	for range o.conns {
		wg.Go(func() {
			r := client(ctx, o)
			mu.Lock()
			defer mu.Unlock()
			res.conns += r.conns
			res.handshakes += r.handshakes
			res.messages += r.messages
			res.errors += r.errors
			res.bytes += r.bytes
			res.rtts = append(res.rtts, r.rtts...)
			res.hsTimes = append(res.hsTimes, r.hsTimes...)
			if res.firstErr == nil {
				res.firstErr = r.firstErr
			}
		})
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

// client is one worker: a long-lived connection echoing messages, or with
// -handshakes a loop of short connections.
func client(ctx context.Context, o *options) *result {
	r := &result{}
	msg := make([]byte, o.size)
	rand.Read(msg)
	buf := make([]byte, o.size)
	fail := func(err error) {
		if ctx.Err() != nil {
			return // the run ended under us: not the server's fault
		}
		r.errors++
		if r.firstErr == nil {
			r.firstErr = err
		}
	}
	var c echoer
	defer func() {
		if c != nil {
			c.Close()
		}
	}()
	for ctx.Err() == nil && (o.messages == 0 || r.messages < o.messages) {
		if c == nil {
			var took time.Duration
			var err error
			if c, took, err = dial(ctx, o); err != nil {
				fail(err)
				select {
				case <-ctx.Done():
				case <-time.After(100 * time.Millisecond):
				}
				continue
			}
			r.conns++
			r.handshakes++
			r.hsTimes = append(r.hsTimes, took)
			if o.together != nil && r.conns == 1 {
				o.together.arrive(ctx)
			}
		}
		t0 := time.Now()
		if err := c.echo(msg, buf); err != nil {
			fail(err)
			c.Close()
			c = nil
			continue
		}
		r.rtts = append(r.rtts, time.Since(t0))
		if !bytes.Equal(msg, buf) {
			fail(errors.New("echo differs from the message sent"))
		}
		r.messages++
		r.bytes += int64(o.size)
		if o.handshakes {
			c.Close()
			c = nil
		}
	}
	return r
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return sorted[i]
}

func (r *result) print(w io.Writer, o *options) {
	secs := r.elapsed.Seconds()
	fmt.Fprintf(w, "target        %s\n", o.target)
	fmt.Fprintf(w, "clients       %d for %v, %d-byte messages\n", o.conns, r.elapsed.Round(time.Millisecond), o.size)
	fmt.Fprintf(w, "connections   %d (%.0f handshakes/s)\n", r.conns, float64(r.handshakes)/secs)
	fmt.Fprintf(w, "messages      %d echoed (%.0f/s, %.1f MB/s each way)\n", r.messages, float64(r.messages)/secs, float64(r.bytes)/secs/1e6)
	for _, s := range []struct {
		name string
		d    []time.Duration
	}{{"round trip", r.rtts}, {"handshake", r.hsTimes}} {
		slices.Sort(s.d)
		if len(s.d) == 0 {
			continue
		}
		fmt.Fprintf(w, "%-13s min %v  p50 %v  p90 %v  p99 %v  max %v\n", s.name,
			s.d[0].Round(time.Microsecond), percentile(s.d, .5).Round(time.Microsecond),
			percentile(s.d, .9).Round(time.Microsecond), percentile(s.d, .99).Round(time.Microsecond),
			s.d[len(s.d)-1].Round(time.Microsecond))
	}
	fmt.Fprintf(w, "errors        %d", r.errors)
	if r.firstErr != nil {
		fmt.Fprintf(w, " (first: %v)", r.firstErr)
	}
	fmt.Fprintln(w)
}

// barrier releases everyone once n have arrived (or ctx ends).
type barrier struct {
	mu   sync.Mutex
	n    int
	open chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, open: make(chan struct{})} }

func (b *barrier) arrive(ctx context.Context) {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.open)
	}
	b.mu.Unlock()
	select {
	case <-b.open:
	case <-ctx.Done():
	}
}
