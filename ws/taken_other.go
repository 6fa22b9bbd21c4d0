//go:build !linux

package ws

import "net"

// unreadInput reports false: off Linux the input the server has not read
// is not looked at, and a pinged client is judged by the frames read.
func unreadInput(net.Conn) (bool, bool) { return false, false }
