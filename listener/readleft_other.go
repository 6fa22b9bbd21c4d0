//go:build unix && !linux

package listener

import "syscall"

// enableInq does nothing: only Linux tells what a read left.
func enableInq(int) {}

// readLeft reads from fd into p and reports that the socket may hold
// more: a FIN that came with the data is told only by the next read.
func readLeft(fd int, p []byte) (int, bool, error) {
	n, err := syscall.Read(fd, p)
	return n, true, err
}
