//go:build linux

package rawtls_test

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/testlog"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// splitConn, once armed, sends the next write in two pieces: the first
// at bytes, then, once between says the server has taken it, the rest.
type splitConn struct {
	net.Conn
	at      int
	between func()
}

func (s *splitConn) Write(p []byte) (int, error) {
	if s.at == 0 || s.at >= len(p) {
		return s.Conn.Write(p)
	}
	at := s.at
	s.at = 0
	n, err := s.Conn.Write(p[:at])
	if err != nil {
		return n, err
	}
	s.between()
	m, err := s.Conn.Write(p[at:])
	return n + m, err
}

// TestEchoRecordSplitWhileServing: a busy connection's wait serves its
// input itself (listener.InputWait.Run), where a read that would wait
// returns at once; a record whose first bytes the server has read before
// the rest arrives (a header in pieces, a header whole, data in pieces)
// is kept by crypto/tls meanwhile and echoed once whole.
func TestEchoRecordSplitWhileServing(t *testing.T) {
	t.Parallel()
	opened := make(chan *rawtls.Conn, 1)
	ts := startServer(t, &rawtls.Server{Hooks: &rawtls.Hooks{Opened: func(c *rawtls.Conn) { opened <- c }}}, certs.Options{})
	var sc *splitConn
	c := ts.mustDialVia(t, func(raw net.Conn) net.Conn {
		sc = &splitConn{Conn: raw}
		return sc
	})
	server := <-opened
	echo := func(msg []byte) {
		t.Helper()
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		got := make([]byte, len(msg))
		if _, err := io.ReadFull(c, got); err != nil || !bytes.Equal(got, msg) {
			t.Fatalf("echo of %d bytes: %v, bytes equal %v", len(msg), err, bytes.Equal(got, msg))
		}
	}
	echo([]byte("first"))
	waitServing(t)
	// A record of 100 bytes of data: a 5-byte header, 100 + 17 bytes
	// sealed (TLS 1.3).
	for _, at := range []int{1, 3, 5, 6, 60} {
		sc.at = at
		sc.between = func() {
			waitArrived(t, sc.Conn)
			waitTaken(t, server)
		}
		echo(bytes.Repeat([]byte{byte(at)}, 100))
		waitServing(t)
	}
}

// waitServing returns once a connection waits in a wait that serves.
func waitServing(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for {
		buf := make([]byte, 1<<20)
		s := string(buf[:runtime.Stack(buf, true)])
		if strings.Contains(s, "listener.(*InputWait).Run(") && strings.Contains(s, "rawtls.(*Conn).awaitInput(") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection waits in listener.(*InputWait).Run after %v:\n%s", ioTimeout, s)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitArrived returns once the server's kernel has acknowledged all that
// c sent: it is in the server's socket, or read.
func waitArrived(t *testing.T, c net.Conn) {
	t.Helper()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(ioTimeout)
	for {
		var n int32
		rc.Control(func(fd uintptr) {
			syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCOUTQ, uintptr(unsafe.Pointer(&n)))
		})
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d bytes sent are not acknowledged after %v", n, ioTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// waitTaken returns once the server has read all that reached its
// socket, looking without taking it.
func waitTaken(t *testing.T, c *rawtls.Conn) {
	t.Helper()
	waitSocket(t, c, "the server has read its input", func(fd uintptr) bool {
		n, _, _ := syscall.Recvfrom(int(fd), make([]byte, 1), syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return n <= 0
	})
}

// waitSocket returns once done, given the server's socket under c, says
// so, looking every millisecond for up to ioTimeout; what names it.
func waitSocket(t *testing.T, c *rawtls.Conn, what string, done func(fd uintptr) bool) {
	t.Helper()
	rc, err := c.NetConn().(*listener.Conn).NetConn().(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(ioTimeout)
	for {
		var ok bool
		rc.Control(func(fd uintptr) { ok = done(fd) })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", ioTimeout, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestEchoFINWithData: a client's last data and its TCP FIN that arrive
// together, read by one read inside the wait that serves, end the echo
// at once: the read that took the data took the FIN too, and the
// socket, readable all along, never turns readable again to wake the
// wait for it. The echo once waited for IdleTimeout before it closed.
func TestEchoFINWithData(t *testing.T) {
	t.Parallel()
	ts := startServer(t, &rawtls.Server{}, certs.Options{})
	var raw net.Conn
	c := ts.mustDialVia(t, func(nc net.Conn) net.Conn { raw = nc; return nc })
	if _, err := c.Write([]byte("first")); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(c, make([]byte, 5)); err != nil {
		t.Fatal(err)
	}
	waitServing(t)
	// Corked, the record and the FIN go out in one segment.
	sc, err := raw.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	sc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, 1) })
	if serr != nil {
		t.Fatal(serr)
	}
	if _, err := c.Write([]byte("last")); err != nil {
		t.Fatal(err)
	}
	if err := raw.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(c)
	if string(got) != "last" || err != nil {
		t.Fatalf("after the last data and the FIN: read %q, %v; want \"last\" and the server's close", got, err)
	}
}

// TestEchoResetAfterPartialRecord: a client that sends the start of a
// record and then resets the connection, both in the socket before the
// wait that serves reads, is closed at once with the reset. The read
// that takes the bytes leaves the kernel saying nothing is left
// (TCP_INQ counts bytes and a FIN, not a reset), and the socket, its
// reset already told, never turns readable again: the wait once slept
// with the reset unread until IdleTimeout, holding the connection.
func TestEchoResetAfterPartialRecord(t *testing.T) {
	t.Parallel()
	entered, goOn := make(chan *rawtls.Conn, 1), make(chan struct{})
	closed := make(chan rawtls.EndReason, 1)
	logs := &testlog.Buffer{}
	ts := startServer(t, &rawtls.Server{
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Hooks: &rawtls.Hooks{
			Opened: func(c *rawtls.Conn) { entered <- c; <-goOn },
			Closed: func(c *rawtls.Conn) { closed <- c.EndReason() },
		},
	}, certs.Options{})
	var raw net.Conn
	ts.mustDialVia(t, func(nc net.Conn) net.Conn { raw = nc; return nc })
	// The server has read all of the handshake and has yet to wait:
	// what follows reaches its socket before the wait's first read.
	server := <-entered
	release := sync.OnceFunc(func() { close(goOn) })
	defer release()
	// An application data record of 100 bytes, of which 10 are sent.
	if _, err := raw.Write(append([]byte{23, 3, 3, 0, 100}, make([]byte, 10)...)); err != nil {
		t.Fatal(err)
	}
	waitArrived(t, raw)
	raw.(*net.TCPConn).SetLinger(0)
	raw.Close()
	waitReset(t, server)
	// The runtime's poller has had the socket's events: a wait that
	// starts now is told only of what comes later.
	pollerTurn(t)
	release()
	select {
	case reason := <-closed:
		// The words net.Conn's Read gives a reset, in the log's line.
		if reason != rawtls.EndError || !strings.Contains(logs.String(), "connection reset by peer") {
			t.Errorf("ended %v, logging:\n%s\nwant the client's reset", reason, logs)
		}
	case <-time.After(ioTimeout):
		t.Fatalf("the connection is still served %v after the client's reset", ioTimeout)
	}
}

// waitReset returns once the server's socket has the client's reset,
// looking without taking anything.
func waitReset(t *testing.T, c *rawtls.Conn) {
	t.Helper()
	waitSocket(t, c, "the client's reset is in the server's socket", func(fd uintptr) bool {
		ti, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		return err == nil && ti.State == 7 // TCP_CLOSE: the reset is in
	})
}

// pollerTurn returns once the runtime's poller has gathered what the
// kernel had to tell of every socket when it was called: it waits, in
// the poller, for input sent to a socket of its own once the wait began,
// which the kernel tells after all it had before.
func pollerTurn(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rc, err := b.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	b.SetReadDeadline(time.Now().Add(ioTimeout))
	looks := 0
	err = rc.Read(func(uintptr) bool {
		looks++
		if looks == 1 {
			a.Write([]byte{1})
		}
		return looks > 1
	})
	if err != nil {
		t.Fatal(err)
	}
}
