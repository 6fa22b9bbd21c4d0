package main

import (
	"context"
	"net"
	"syscall"
	"testing"
)

// smallWindowListen listens on loopback with a 1,200-byte segment size
// and a 4 KiB receive buffer, which the connections it accepts take from
// the start: their peer's send buffer then stays near its first size, a
// few dozen KiB, where loopback's own 64 KiB segments start it at
// megabytes. A peer that writes to such a connection, which reads
// nothing, soon finds no room.
func smallWindowListen(t *testing.T) net.Listener {
	t.Helper()
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			if serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_MAXSEG, 1200); serr == nil {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4<<10)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
