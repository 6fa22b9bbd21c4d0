package listener_test

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// park parks w and returns the channel its resume sends on; the test
// fails if Park does not park.
func park(t *testing.T, w *listener.InputWait) <-chan struct{} {
	t.Helper()
	resumed := make(chan struct{}, 2)
	if !w.Park(func() { resumed <- struct{}{} }) {
		t.Fatal("Park did not park on an empty socket")
	}
	return resumed
}

// resumedBy waits until resumed has been sent on, once.
func resumedBy(t *testing.T, resumed <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-resumed:
	case <-time.After(ioTimeout):
		t.Fatalf("the parked connection was not started again within %v of %s", ioTimeout, what)
	}
}

// TestParkInput: a parked connection holds no goroutine and is started
// again once, when its client sends; the input is the next wait's and
// read's, whole.
func TestParkInput(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	resumed := park(t, w)
	if !lc.Parked() {
		t.Fatal("Parked is false after Park")
	}
	if _, err := client.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	resumedBy(t, resumed, "the client's write")
	if lc.Parked() {
		t.Fatal("Parked is true once started again")
	}
	if err := w.Wait(); err != nil {
		t.Fatalf("Wait after the start: %v", err)
	}
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(lc, buf); err != nil || string(buf) != "hello" {
		t.Fatalf("read after the wait: %q, %v; want \"hello\"", buf, err)
	}
	select {
	case <-resumed:
		t.Fatal("started twice")
	default:
	}
}

// TestParkInputThere: with input in the socket already Park reads it,
// as Wait's first read does, and does not park; the wait that follows
// returns at once.
func TestParkInputThere(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	if _, err := client.Write([]byte("early")); err != nil {
		t.Fatal(err)
	}
	// The write may not have reached the server's socket when Park
	// reads: then Park parks, and the input starts it.
	for w.Park(func() {}) {
		for lc.Parked() {
			runtime.Gosched()
		}
	}
	if err := w.Wait(); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	buf := make([]byte, 5)
	if _, err := io.ReadFull(lc, buf); err != nil || string(buf) != "early" {
		t.Fatalf("read: %q, %v; want \"early\"", buf, err)
	}
}

// TestParkDeadline: a read deadline set while parked starts the
// connection again, and its wait meets the deadline there; with one set,
// Park does not park.
func TestParkDeadline(t *testing.T) {
	t.Parallel()
	lc, w, _ := waitConn(t)
	resumed := park(t, w)
	lc.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	resumedBy(t, resumed, "a read deadline")
	if err := w.Wait(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Wait: %v, want os.ErrDeadlineExceeded", err)
	}
	if w.Park(func() { t.Error("started, though never parked") }) {
		t.Fatal("Park parked with a read deadline set")
	}
	// Cleared, through SetDeadline too: it parks again.
	lc.SetDeadline(time.Time{})
	resumed = park(t, w)
	lc.SetDeadline(time.Now())
	resumedBy(t, resumed, "SetDeadline")
	if err := w.Wait(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Wait: %v, want os.ErrDeadlineExceeded", err)
	}
}

// TestParkClose: Close starts a parked connection again, and its wait
// finds the socket closed; a closed connection does not park.
func TestParkClose(t *testing.T) {
	t.Parallel()
	lc, w, _ := waitConn(t)
	resumed := park(t, w)
	lc.Close()
	resumedBy(t, resumed, "Close")
	if err := w.Wait(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Wait: %v, want net.ErrClosed", err)
	}
	if w.Park(func() { t.Error("started, though never parked") }) {
		t.Fatal("Park parked a closed connection")
	}
}

// TestParkPeerEnds: the client's FIN and its reset each start a parked
// connection, whose read then reports them.
func TestParkPeerEnds(t *testing.T) {
	t.Parallel()
	for _, reset := range []bool{false, true} {
		t.Run(fmt.Sprintf("reset=%v", reset), func(t *testing.T) {
			t.Parallel()
			lc, w, client := waitConn(t)
			resumed := park(t, w)
			if reset {
				client.SetLinger(0)
			}
			client.Close()
			resumedBy(t, resumed, "the client's close")
			if err := w.Wait(); err != nil {
				t.Fatalf("Wait: %v", err)
			}
			lc.SetReadDeadline(time.Now().Add(ioTimeout))
			_, err := lc.Read(make([]byte, 8))
			if reset && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("read after a reset: %v, want ECONNRESET", err)
			}
			if !reset && err != io.EOF {
				t.Fatalf("read after a FIN: %v, want io.EOF", err)
			}
		})
	}
}

// TestParkMany: many connections parked at once are each started by
// their own client only, also once the descriptors of closed ones are
// reused by new ones, and the set's goroutine ends once none is parked.
// Not parallel: no other test's set is open while it looks for the
// goroutine.
func TestParkMany(t *testing.T) {
	l := listen(t, listener.Options{Name: "http"})
	got := acceptAll(t, l)
	type parked struct {
		lc      *listener.Conn
		w       *listener.InputWait
		client  net.Conn
		resumed chan struct{}
	}
	open := func() *parked {
		lc, w, client := waitConnOn(t, l, got)
		p := &parked{lc: lc, w: w, client: client, resumed: make(chan struct{}, 2)}
		if !p.w.Park(func() { p.resumed <- struct{}{} }) {
			t.Fatal("Park did not park")
		}
		return p
	}
	const n = 64
	var ps []*parked
	for range n {
		ps = append(ps, open())
	}
	// Every other one is woken by its client and closed: its descriptor
	// is free for the new ones.
	freed := make(map[int]bool)
	for i := 0; i < n; i += 2 {
		ps[i].client.Write([]byte{1})
		resumedBy(t, ps[i].resumed, "its client's write")
		freed[fdOf(t, ps[i].lc)] = true
		ps[i].lc.Close()
	}
	reused := 0
	for i := 0; i < n; i += 2 {
		ps[i] = open()
		if freed[fdOf(t, ps[i].lc)] {
			reused++
		}
	}
	// Else the test would not show what it says.
	if reused == 0 {
		t.Fatal("no new connection got the descriptor of a closed one")
	}
	for i, p := range ps {
		p.client.Write([]byte{byte(i)})
		resumedBy(t, p.resumed, fmt.Sprintf("client %d's write", i))
		if err := p.w.Wait(); err != nil {
			t.Fatalf("Wait %d: %v", i, err)
		}
		p.lc.SetReadDeadline(time.Now().Add(ioTimeout))
		b := make([]byte, 1)
		if _, err := p.lc.Read(b); err != nil || b[0] != byte(i) {
			t.Fatalf("connection %d read %v, %v: another client's input", i, b, err)
		}
	}
	for i, p := range ps {
		select {
		case <-p.resumed:
			t.Fatalf("connection %d started twice", i)
		default:
		}
	}
	deadline := time.Now().Add(ioTimeout)
	for strings.Contains(allStacks(), "(*parker).watch") {
		if time.Now().After(deadline) {
			t.Fatalf("the parked set's goroutine still runs %v after the last connection left it", ioTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// fdOf is the descriptor of lc's socket.
func fdOf(t *testing.T, lc *listener.Conn) int {
	t.Helper()
	sc, err := lc.NetConn().(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	fd := -1
	sc.Control(func(d uintptr) { fd = int(d) })
	return fd
}

// allStacks is every goroutine's stack.
func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// TestParkRaces: a parked connection woken by two things at once (its
// client's input and a read deadline, or its input and Close) is started
// exactly once each time, and one whose read deadline is set as it parks
// either is refused the park or is started once; over many parks of many
// connections at once, no input is lost.
func TestParkRaces(t *testing.T) {
	t.Parallel()
	l := listen(t, listener.Options{Name: "http"})
	got := acceptAll(t, l)
	const conns, rounds = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		lc, w, client := waitConnOn(t, l, got)
		wg.Go(func() {
			var started atomic.Int32
			parks := int32(0)
			resumed := make(chan struct{}, 4)
			resume := func() { started.Add(1); resumed <- struct{}{} }
			for r := range rounds {
				last := r == rounds-1
				var wake sync.WaitGroup
				early := r%4 == 1 && !last // the deadline races with Park itself
				if early {
					wake.Go(func() { lc.SetReadDeadline(time.Now().Add(time.Millisecond)) })
				}
				parked := w.Park(resume)
				if !parked && !early {
					errs <- fmt.Errorf("connection %d, round %d: Park did not park", i, r)
					return
				}
				if parked {
					parks++
				}
				if !early {
					// With the deadline set as it parked, the deadline
					// alone must start it: the input comes after.
					wake.Go(func() { client.Write([]byte{byte(r)}) })
					wake.Go(func() {
						if last {
							lc.Close()
						} else {
							lc.SetReadDeadline(time.Now().Add(time.Duration(r%3) * time.Millisecond))
						}
					})
				}
				wake.Wait()
				if parked {
					select {
					case <-resumed:
					case <-time.After(ioTimeout):
						errs <- fmt.Errorf("connection %d, round %d: not started again", i, r)
						return
					}
				}
				if n := started.Load(); n != parks {
					errs <- fmt.Errorf("connection %d, round %d: started %d times for %d parks", i, r, n, parks)
					return
				}
				if last {
					return
				}
				if early {
					client.Write([]byte{byte(r)})
				}
				lc.SetReadDeadline(time.Now().Add(ioTimeout))
				b := make([]byte, 1)
				if _, err := io.ReadFull(lc, b); err != nil || b[0] != byte(r) {
					errs <- fmt.Errorf("connection %d, round %d: read %v, %v", i, r, b, err)
					return
				}
				lc.SetReadDeadline(time.Time{})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
