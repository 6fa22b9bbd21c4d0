package ws

import (
	"net"

	"golang.org/x/sys/unix"
)

// acked returns how many bytes the client has acknowledged on socket s,
// as the kernel counts them (TCP_INFO), and whether it could tell. A
// client that reads, however slowly, makes it grow; one whose receive
// window is full does not.
func acked(s net.Conn) (uint64, bool) {
	var n uint64
	ok := onSocket(s, func(fd int) error {
		info, err := unix.GetsockoptTCPInfo(fd, unix.IPPROTO_TCP, unix.TCP_INFO)
		if err == nil {
			n = info.Bytes_acked
		}
		return err
	})
	return n, ok
}

// unreadInput reports whether the kernel holds bytes the server has not
// read yet on socket s (SIOCINQ), and whether it could tell.
func unreadInput(s net.Conn) (bool, bool) {
	var n int
	ok := onSocket(s, func(fd int) (err error) {
		n, err = unix.IoctlGetInt(fd, unix.SIOCINQ)
		return err
	})
	return n > 0, ok
}

// onSocket runs f on the descriptor of TCP socket s, and reports whether
// it ran and succeeded: not on another kind of conn, nor on a closed one.
func onSocket(s net.Conn, f func(fd int) error) bool {
	tc, ok := s.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil || ferr != nil {
		return false
	}
	return true
}
