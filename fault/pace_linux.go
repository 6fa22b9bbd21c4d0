package fault

import (
	"net"

	"golang.org/x/sys/unix"
)

// unacked reports the bytes the client has acknowledged on s and whether
// s holds bytes it has not acknowledged (sent or still unsent), as the
// kernel counts them (TCP_INFO), and whether it could tell.
func unacked(s *net.TCPConn) (acked uint64, queued, ok bool) {
	rc, err := s.SyscallConn()
	if err != nil {
		return 0, false, false
	}
	var info *unix.TCPInfo
	var ierr error
	err = rc.Control(func(fd uintptr) {
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
	})
	if err != nil || ierr != nil {
		return 0, false, false
	}
	return info.Bytes_acked, info.Notsent_bytes > 0 || info.Unacked > 0, true
}
