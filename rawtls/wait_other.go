//go:build !unix

package rawtls

import (
	"net"
	"syscall"
)

// socketOf returns nil: without MSG_PEEK, a connection waits for input
// inside crypto/tls's read, with its buffer.
func socketOf(net.Conn) syscall.RawConn { return nil }

func (c *Conn) peek(uintptr) bool { return true }
