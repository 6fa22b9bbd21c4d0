package listener_test

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/tlsecho/tlsecho/listener"
)

// TestRunResetAfterData: a peer's data and then its reset, both in the
// socket before the step reads, reach the step's reads as the reset,
// in net.Conn's words, when the step writes nothing in between. The
// read that takes the data leaves the kernel saying the socket is empty
// (TCP_INQ counts bytes and a FIN, not a reset), and the socket, its
// reset told along with the data, does not turn readable again: a step
// that kept the data to wait for more (the start of a TLS record) once
// had Run sleep until its deadline with the reset unread.
func TestRunResetAfterData(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := client.Write([]byte("part")); err != nil {
		t.Fatal(err)
	}
	client.SetLinger(0)
	client.Close()
	waitClosed(t, lc)
	waitTold(t, lc)
	var read []byte
	var end error
	err := w.Run(func() bool {
		buf := make([]byte, 64)
		for {
			n, err := lc.Read(buf)
			read = append(read, buf[:n]...)
			switch {
			case err == listener.ErrNoInput:
				return true
			case err != nil:
				end = err
				return false
			}
		}
	})
	var oe *net.OpError
	if err != nil || string(read) != "part" || !errors.Is(end, syscall.ECONNRESET) || !errors.As(end, &oe) || oe.Op != "read" {
		t.Fatalf("Run: %v; the step read %q and met %v; want nil, \"part\" and the reset", err, read, end)
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
			var ti syscall.TCPInfo
			l := uint32(syscall.SizeofTCPInfo)
			if _, _, e := syscall.Syscall6(syscall.SYS_GETSOCKOPT, fd, syscall.IPPROTO_TCP, syscall.TCP_INFO, uintptr(unsafe.Pointer(&ti)), uintptr(unsafe.Pointer(&l)), 0); e == 0 {
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

// waitTold returns once the runtime's poller has told of the socket's
// input, as it has when a wait woke for it; a wait after that is told
// only of what comes later.
func waitTold(t *testing.T, lc *listener.Conn) {
	t.Helper()
	rc, err := lc.NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	looks := 0
	if err := rc.Read(func(uintptr) bool { looks++; return looks > 1 }); err != nil {
		t.Fatal(err)
	}
}

// TestRunEmptyRead: a read into no room during the step returns nothing
// and no error, as net.Conn's Read does, and takes nothing: the next
// read returns all the input. It once panicked (readLeft took &p[0]).
func TestRunEmptyRead(t *testing.T) {
	t.Parallel()
	lc, w, client := waitConn(t)
	lc.SetReadDeadline(time.Now().Add(ioTimeout))
	if _, err := client.Write([]byte("whole")); err != nil {
		t.Fatal(err)
	}
	var got []byte
	err := w.Run(func() bool {
		if n, err := lc.Read(nil); n != 0 || err != nil {
			t.Errorf("an empty read: %d, %v; want 0, nil", n, err)
		}
		buf := make([]byte, 64)
		n, err := lc.Read(buf)
		got = buf[:n]
		if err != nil {
			t.Errorf("read: %v", err)
		}
		return false
	})
	if err != nil || string(got) != "whole" {
		t.Fatalf("Run: %v; the step read %q; want \"whole\"", err, got)
	}
}
