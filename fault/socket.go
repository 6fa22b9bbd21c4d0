package fault

import "net"

// Socket finds the TCP connection under c, following NetConn methods (as
// *tls.Conn and the accept pipeline's connection have), or nil. fin, rst
// and blackhole act on it, below TLS: no close_notify goes out.
func Socket(c net.Conn) *net.TCPConn {
	for range 8 {
		switch x := c.(type) {
		case *net.TCPConn:
			return x
		case interface{ NetConn() net.Conn }:
			c = x.NetConn()
		default:
			return nil
		}
	}
	return nil
}

// Acked is how many bytes the peer has acknowledged on the TCP socket
// under c, as the kernel counts them (TCP_INFO, Linux), and whether it
// could tell: not off Linux, not under a conn that is no TCP socket, not
// on a closed one. A client that reads, however slowly, makes it grow;
// one whose receive window stays full does not. The transports judge a
// close that waits behind a write by it.
func Acked(c net.Conn) (uint64, bool) {
	s := Socket(c)
	if s == nil {
		return 0, false
	}
	acked, _, ok := unacked(s)
	return acked, ok
}
