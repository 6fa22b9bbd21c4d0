//go:build unix

package listener_test

import (
	"errors"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// TestRunWakesForInputDuringStep: input that arrives while Run's step
// runs, after the step's read emptied the socket, wakes the wait at
// once. The step's next read does not take it (the socket was found
// empty; the input is the wait's to find), so a wake-up lost there would
// leave the wait asleep with the input in the socket until the deadline.
func TestRunWakesForInputDuringStep(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := client.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	var got []string
	buf := make([]byte, 64)
	err := w.Run(func() bool {
		var step []byte
		for {
			n, err := lc.Read(buf)
			step = append(step, buf[:n]...)
			if err == listener.ErrNoInput {
				break
			}
			if err != nil {
				t.Errorf("read in step %d: %v", len(got)+1, err)
				return false
			}
		}
		got = append(got, string(step))
		if len(got) > 1 {
			return false
		}
		if _, err := client.Write([]byte("two")); err != nil {
			t.Error(err)
			return false
		}
		waitQueued(t, lc)
		if n, err := lc.Read(buf); n != 0 || err != listener.ErrNoInput {
			t.Errorf("a read after the socket was found empty: %q, %v; want listener.ErrNoInput", buf[:n], err)
		}
		return true
	})
	if err != nil {
		t.Fatalf("Run: %v (steps read %q)", err, got)
	}
	if len(got) != 2 || got[0] != "one" || got[1] != "two" {
		t.Fatalf("steps read %q, want [\"one\" \"two\"]", got)
	}
}

// TestRunEnds: Run returns when its step says so, with the socket's
// error (a deadline that passed), and the peer's FIN reaches the step's
// reads as io.EOF, as it reaches every read after.
func TestRunEnds(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now())
	if err := w.Run(func() bool { t.Error("step called with no input"); return false }); !isTimeout(err) {
		t.Fatalf("Run with a passed deadline: %v, want a timeout", err)
	}
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	client.Write([]byte("last"))
	client.CloseWrite()
	var read []byte
	var end error
	err := w.Run(func() bool {
		end = stepRead(lc, &read)
		return end == nil
	})
	if err != nil || string(read) != "last" || end != io.EOF {
		t.Fatalf("Run: %v; the step read %q and met %v; want nil, \"last\", io.EOF", err, read, end)
	}
	if n, err := lc.Read(make([]byte, 8)); n != 0 || err != io.EOF {
		t.Fatalf("read after Run: %d, %v; want io.EOF", n, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// waitQueued returns once the socket under lc has input to read, looking
// without taking it.
func waitQueued(t *testing.T, lc *listener.Conn) {
	t.Helper()
	rc, err := lc.NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(ioTimeout)
	for {
		var n int
		rc.Control(func(fd uintptr) {
			n, _, _ = syscall.Recvfrom(int(fd), make([]byte, 1), syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		})
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the peer's write is not in the socket after %v", ioTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// stepRead reads lc inside a step of Run, adding what it reads to read,
// until the socket has nothing more (nil: the wait goes on) or the
// connection's end, which it returns.
func stepRead(lc *listener.Conn, read *[]byte) error {
	buf := make([]byte, 64)
	for {
		n, err := lc.Read(buf)
		*read = append(*read, buf[:n]...)
		switch {
		case err == listener.ErrNoInput:
			return nil
		case err != nil:
			return err
		}
	}
}
