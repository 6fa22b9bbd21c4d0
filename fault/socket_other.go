//go:build !linux

package fault

import "net"

// unacked reports false: off Linux the kernel's counts of a socket are
// not read, and a paced write is judged by the writes to the socket that
// complete (Pacer.Stalled).
func unacked(*net.TCPConn) (acked uint64, queued, ok bool) { return 0, false, false }
