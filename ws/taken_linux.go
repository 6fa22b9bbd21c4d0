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
	tc, ok := s.(*net.TCPConn)
	if !ok {
		return 0, false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var n uint64
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		var info *unix.TCPInfo
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if ierr == nil {
			n = info.Bytes_acked
		}
	}); err != nil || ierr != nil {
		return 0, false
	}
	return n, true
}

// unreadInput reports whether the kernel holds bytes the server has not
// read yet on socket s (SIOCINQ), and whether it could tell.
func unreadInput(s net.Conn) (bool, bool) {
	tc, ok := s.(*net.TCPConn)
	if !ok {
		return false, false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false, false
	}
	var n int
	var ierr error
	if err := rc.Control(func(fd uintptr) {
		n, ierr = unix.IoctlGetInt(int(fd), unix.SIOCINQ)
	}); err != nil || ierr != nil {
		return false, false
	}
	return n > 0, true
}
