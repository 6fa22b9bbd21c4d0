//go:build !linux

package fault

import "net"

// waitPeerClose waits for s's read deadline without reading: off Linux
// there is no portable way to see the peer's FIN behind unread bytes, so
// a held connection lasts until the deadline.
func waitPeerClose(s *net.TCPConn) {
	rc, err := s.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(uintptr) bool { return false })
}
