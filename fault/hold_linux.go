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

// waitPeerClose returns once the peer has closed or reset the connection,
// or at s's read deadline, without reading a byte: it asks the kernel for
// the TCP state each time the netpoller reports the socket readable (new
// data, a FIN and a reset each wake it).
func waitPeerClose(s *net.TCPConn) {
	rc, err := s.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(fd uintptr) bool {
		info, err := unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		return err != nil || info.State == tcpClose || info.State == tcpCloseWait
	})
}
