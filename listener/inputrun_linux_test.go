package listener_test

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/listener"
)

// TestRunResetAfterData: a peer's data and then its reset, both in the
// socket before the step reads, reach the step's reads as the reset,
// in net.Conn's words, when the step writes nothing in between. The
// read that takes the data leaves the kernel saying the socket is empty
// (TCP_INQ counts bytes and a FIN, not a reset), and the socket, its
// reset told with the data in the one wake-up, does not turn readable
// again: a step that kept the data to wait for more (the start of a TLS
// record) once had Run sleep until its deadline with the reset unread.
func TestRunResetAfterData(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	steps := 0
	var read []byte
	var end error
	err := w.Run(func() bool {
		steps++
		buf := make([]byte, 64)
		if steps == 1 {
			// The socket is empty: the data and the reset come now,
			// and wake the wait once, after this step.
			if n, err := lc.Read(buf); err != listener.ErrNoInput {
				t.Errorf("the first step read %q, %v; want listener.ErrNoInput", buf[:n], err)
				return false
			}
			if _, err := client.Write([]byte("part")); err != nil {
				t.Error(err)
				return false
			}
			client.SetLinger(0)
			client.Close()
			waitClosed(t, lc)
			return true
		}
		end = stepRead(lc, &read)
		return end == nil
	})
	var oe *net.OpError
	if err != nil || string(read) != "part" || !errors.Is(end, syscall.ECONNRESET) || !errors.As(end, &oe) || oe.Op != "read" {
		t.Fatalf("Run: %v; the steps read %q and met %v; want nil, \"part\" and the reset", err, read, end)
	}
}

// TestRunEchoKeepsSavedRead: a step that read the socket empty by the
// kernel's word and then wrote is not called again to make sure no
// reset came with the input: the write that the socket took showed it.
// An echo costs one read and one write.
func TestRunEchoKeepsSavedRead(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := client.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	steps := 0
	err := w.Run(func() bool {
		steps++
		buf := make([]byte, 64)
		n, err := lc.Read(buf)
		if err != nil {
			t.Errorf("step %d: read %v", steps, err)
			return false
		}
		if _, err := lc.Write(buf[:n]); err != nil {
			t.Errorf("step %d: write %v", steps, err)
			return false
		}
		if n, err := lc.Read(buf); err != listener.ErrNoInput {
			t.Errorf("step %d: a read after the socket was read empty: %q, %v; want listener.ErrNoInput", steps, buf[:n], err)
		}
		// Ends the wait at once, unless the step is called again first.
		lc.SetReadDeadline(time.Now())
		return true
	})
	if !isTimeout(err) || steps != 1 {
		t.Fatalf("Run: %v after %d steps; want a timeout after one", err, steps)
	}
}

// waitClosed returns once the socket under lc is closed by its peer's
// reset, looking without taking anything.
func waitClosed(t *testing.T, lc *listener.Conn) {
	t.Helper()
	rc, err := lc.NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(ioTimeout)
	for {
		var state uint8
		rc.Control(func(fd uintptr) {
			if ti, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
				state = ti.State
			}
		})
		if state == 7 { // TCP_CLOSE: the reset is in
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no reset from the peer within %v", ioTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}
