package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"time"
)

// exitInterrupted is the status of a client stopped by Ctrl-C: 128 plus
// SIGINT's number, what a shell reports for a process the signal killed,
// so scripts read it the same way.
const exitInterrupted = 130

// interruptWait is how long an interrupted client waits for the server to
// answer its close before it drops the connection: long enough for an
// echo server on any network to reply, short enough to feel immediate.
const interruptWait = time.Second

// errInterrupted marks a session ended by Ctrl-C.
var errInterrupted = errors.New("interrupted")

// interruptible returns a context that ends at the first SIGINT. The
// signal's default action then comes back, so a second Ctrl-C ends the
// process at once, as it does for `tlsecho serve`.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	context.AfterFunc(ctx, stop)
	return ctx, stop
}

// interrupted ends a session cut short by Ctrl-C politely: bye sends the
// close (close 1000 on wss, close_notify on raw TLS), then the server has
// interruptWait to answer, which the reader sees as the end of its stream
// on readDone. A server that does not answer in time is dropped with
// abort. what names the close for the message.
func (c *client) interrupted(readDone <-chan error, bye func() error, abort func(), what string) error {
	if err := bye(); err != nil {
		abort()
		<-readDone
		return fmt.Errorf("%w; sending %s to %s failed: %v", errInterrupted, what, c.o.target.addr, err)
	}
	t := time.NewTimer(interruptWait)
	defer t.Stop()
	select {
	case <-readDone:
		return fmt.Errorf("%w; sent %s, and %s closed", errInterrupted, what, c.o.target.addr)
	case <-t.C:
		abort()
		<-readDone
		return fmt.Errorf("%w; sent %s, but %s did not close within %v", errInterrupted, what, c.o.target.addr, interruptWait)
	}
}
