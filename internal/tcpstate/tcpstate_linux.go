package tcpstate

import (
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// Info is the kernel's TCP_INFO of s; false once s is closed.
func Info(s *net.TCPConn) (*unix.TCPInfo, bool) {
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

// Unread is how many bytes wait unread in s (SIOCINQ); -1 once s is
// closed.
func Unread(s *net.TCPConn) int {
	rc, err := s.SyscallConn()
	if err != nil {
		return -1
	}
	n := -1
	rc.Control(func(fd uintptr) { n, _ = unix.IoctlGetInt(int(fd), unix.SIOCINQ) })
	return n
}

// Outcome is how AwaitRead's wait ended.
type Outcome int

const (
	// Read: the server's socket took more bytes than before and has none
	// left unread: something reads it and discards them.
	Read Outcome = iota
	// ClientReset: the client's socket was reset (or closed), as it is
	// when bytes reach a closed server socket.
	ClientReset
	// ServerClosed: the server's socket was closed.
	ServerClosed
	// TimedOut: none of these within the wait.
	TimedOut
)

// AwaitRead waits until server, whose TCP_INFO was before, has read what
// client sent since, or client is reset, or server closed, looking at
// the kernel's state every few milliseconds for up to within: whether a
// socket's reader took bytes shows nowhere else from outside.
func AwaitRead(server, client *net.TCPConn, before *unix.TCPInfo, within time.Duration) Outcome {
	for deadline := time.Now().Add(within); ; time.Sleep(5 * time.Millisecond) {
		if st, ok := Info(client); !ok || st.State == unix.BPF_TCP_CLOSE {
			return ClientReset
		}
		st, ok := Info(server)
		if !ok {
			return ServerClosed
		}
		if st.Bytes_received > before.Bytes_received && Unread(server) == 0 {
			return Read
		}
		if time.Now().After(deadline) {
			return TimedOut
		}
	}
}
