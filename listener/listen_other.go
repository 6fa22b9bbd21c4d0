//go:build !linux

package listener

import "net"

// inheritKeepAlive leaves lc as it is: Go sets keepalive on each accepted
// connection.
func inheritKeepAlive(*net.ListenConfig) {}
