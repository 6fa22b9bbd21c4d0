//go:build !linux

package fault

import "net"

// WaitPeerClose waits for s's read deadline without reading, and reports
// false: off Linux there is no portable way to see the peer's FIN behind
// unread bytes, so a held connection lasts until the deadline.
func WaitPeerClose(s *net.TCPConn) bool {
	rc, err := s.SyscallConn()
	if err != nil {
		return false
	}
	rc.Read(func(uintptr) bool { return false })
	return false
}
