package fault

import (
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestFinishOutlastsAWakeUp: Finish's wait for the client to close in
// turn, discarding what it still sends, is not ended by a read deadline
// another goroutine sets on the socket meanwhile (a shutdown's wake-up of
// every read, raw TLS's among them). It used to be: the socket was closed
// at once, and the client's next bytes were answered with a reset, the
// reset the wait is there to avoid. Closing the socket still ends it.
func TestFinishOutlastsAWakeUp(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	sc, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	server := sc.(*net.TCPConn)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		Finish(server, time.Minute)
	}()
	client.SetDeadline(time.Now().Add(10 * time.Second))
	if n, err := client.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("read %d bytes, %v; want the FIN", n, err)
	}
	before, _ := tcpInfo(server)
	server.SetReadDeadline(time.Now())
	if _, err := client.Write([]byte("sent after the FIN")); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if st, ok := tcpInfo(client.(*net.TCPConn)); !ok || st.State == unix.BPF_TCP_CLOSE {
			t.Fatal("the client's connection was reset: the wait ended at the deadline set beside it")
		}
		st, ok := tcpInfo(server)
		if !ok {
			t.Fatal("the socket was closed at the deadline set beside the wait")
		}
		if st.Bytes_received > before.Bytes_received && unreadBytes(server) == 0 {
			break // read and discarded: the wait goes on
		}
		if time.Now().After(deadline) {
			t.Fatal("the wait neither read the client's bytes nor closed")
		}
	}
	client.Close()
	select {
	case <-finished:
	case <-time.After(10 * time.Second):
		t.Fatal("Finish did not return once the client closed")
	}
}

// tcpInfo is the kernel's TCP_INFO of s; false once s is closed.
func tcpInfo(s *net.TCPConn) (*unix.TCPInfo, bool) {
	rc, err := s.SyscallConn()
	if err != nil {
		return nil, false
	}
	var info *unix.TCPInfo
	var ierr error
	if err := rc.Control(func(fd uintptr) { info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO) }); err != nil || ierr != nil {
		return nil, false
	}
	return info, true
}

// unreadBytes is how many bytes wait unread in s; -1 once s is closed.
func unreadBytes(s *net.TCPConn) int {
	rc, err := s.SyscallConn()
	if err != nil {
		return -1
	}
	n := -1
	rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
	return n
}
