package fault

import (
	"net"

	"golang.org/x/sys/unix"
)

// peerReset reports whether the peer has reset s (the kernel has moved it
// to TCP_CLOSE, which on a socket this side has not closed only a reset
// does), asking the kernel without reading: the bytes waiting on s stay
// for whoever reads next. A FIN is not a reset: a client that half-closes
// still gets its held echoes.
func peerReset(s *net.TCPConn) bool {
	rc, err := s.SyscallConn()
	if err != nil {
		return false
	}
	var state uint8
	err = rc.Control(func(fd uintptr) {
		if info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO); err == nil {
			state = info.State
		}
	})
	return err == nil && state == tcpClose
}
