//go:build !linux

package ws

import "net"

// unreadInput reports nothing: off Linux the input the server has not read
// is not looked at, and a pinged client is judged by the frames read.
func unreadInput(net.Conn) (int, bool) { return 0, false }
