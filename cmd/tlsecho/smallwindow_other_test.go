//go:build !linux

package main

import (
	"net"
	"testing"
)

// smallWindowListen listens on loopback; the segment size and receive
// buffer it sets on Linux are left to the system here.
func smallWindowListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
