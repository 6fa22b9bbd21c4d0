package listener

import (
	"net"
	"syscall"
)

// inheritKeepAlive sets lc's keepalive on the listening socket, which
// Linux copies to every socket it accepts, and turns off Go's own setting
// of it on each accepted connection.
func inheritKeepAlive(lc *net.ListenConfig) {
	opts := []struct{ level, opt, value int }{
		{syscall.SOL_SOCKET, syscall.SO_KEEPALIVE, 1},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPIDLE, int(lc.KeepAliveConfig.Idle.Seconds())},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPINTVL, int(lc.KeepAliveConfig.Interval.Seconds())},
		{syscall.IPPROTO_TCP, syscall.TCP_KEEPCNT, lc.KeepAliveConfig.Count},
	}
	lc.KeepAlive, lc.KeepAliveConfig = -1, net.KeepAliveConfig{}
	lc.Control = func(_, _ string, c syscall.RawConn) error {
		var err error
		if cerr := c.Control(func(fd uintptr) {
			for _, o := range opts {
				if err = syscall.SetsockoptInt(int(fd), o.level, o.opt, o.value); err != nil {
					return
				}
			}
		}); cerr != nil {
			return cerr
		}
		return err
	}
}
