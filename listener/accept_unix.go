//go:build unix

package listener

import (
	"errors"
	"syscall"
)

// isTransientAcceptErr reports accept(2) failures that end by themselves:
// descriptor exhaustion (EMFILE, ENFILE), memory pressure, and a peer that
// reset before the accept (ECONNABORTED).
func isTransientAcceptErr(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.ENOBUFS) || errors.Is(err, syscall.ENOMEM) ||
		errors.Is(err, syscall.ECONNABORTED)
}
