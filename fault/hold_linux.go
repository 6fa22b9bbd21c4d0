package fault

import (
	"net"

	"golang.org/x/sys/unix"
)

// TCP states of include/net/tcp_states.h in which the peer has closed.
const (
	tcpClose     = 7 // reset, or both sides closed
	tcpCloseWait = 8 // the peer sent its FIN
)

// WaitPeerClose waits, without reading a byte, until the peer has closed
// or reset the connection (true) or s's read deadline passes (false): it
// asks the kernel for the TCP state each time the netpoller reports the
// socket readable (new data, a FIN and a reset each wake it). What the
// peer sent stays unread for whoever reads next.
func WaitPeerClose(s *net.TCPConn) bool {
	rc, err := s.SyscallConn()
	if err != nil {
		return false
	}
	var closed bool
	rc.Read(func(fd uintptr) bool {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		if err != nil {
			return true // nothing to watch: stop waiting
		}
		closed = info.State == tcpClose || info.State == tcpCloseWait
		return closed
	})
	return closed
}
