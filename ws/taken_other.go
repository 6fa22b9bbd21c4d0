//go:build !linux

package ws

import "net"

// acked reports false: off Linux the bytes a client acknowledged are not
// read, and a close frame's write is judged by the writes that complete.
func acked(net.Conn) (uint64, bool) { return 0, false }

// unreadInput reports false: off Linux the input the server has not read
// is not looked at, and a pinged client is judged by the frames read.
func unreadInput(net.Conn) (bool, bool) { return false, false }
