package fault

import (
	"net"

	"golang.org/x/sys/unix"
)

// unacked reports the bytes the client has acknowledged on s and whether
// s holds bytes it has not acknowledged (sent or still unsent), as the
// kernel counts them, and whether it could tell.
func unacked(s *net.TCPConn) (acked uint64, queued, ok bool) {
	rc, err := s.SyscallConn()
	if err != nil {
		return 0, false, false
	}
	var info *unix.TCPInfo
	var outq int
	var ierr, qerr error
	err = rc.Control(func(fd uintptr) {
		info, ierr = unix.GetsockoptTCPInfo(int(fd), unix.IPPROTO_TCP, unix.TCP_INFO)
		outq, qerr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ)
	})
	if err != nil || ierr != nil || qerr != nil {
		return 0, false, false
	}
	return socketProgress(info.Bytes_acked, outq)
}

// socketProgress reads the kernel's counts of a socket: tcpi_bytes_acked
// (TCP_INFO) and the bytes in its send queue, sent or not, that the peer
// has not acknowledged (SIOCOUTQ, which every kernel has). Kernels before
// Linux 4.1 have no tcpi_bytes_acked, and leave it 0: a count that never
// grows, so that a client reading slowly would be taken for one that
// reads nothing. Every socket this is asked about has had bytes of the
// server's acknowledged (the handshake, the 101 answer), so 0 means the
// kernel does not tell, and the caller counts the writes instead. The
// queue is not read from TCP_INFO either: tcpi_notsent_bytes came in
// Linux 4.6, and with the client's window full nearly all that waits is
// unsent.
func socketProgress(bytesAcked uint64, outq int) (acked uint64, queued, ok bool) {
	if bytesAcked == 0 {
		return 0, false, false
	}
	return bytesAcked, outq > 0, true
}
