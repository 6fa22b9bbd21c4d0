//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// checkFiles raises this process's open-files limit from its soft value to
// its hard one (Go does so at start since 1.19; this makes it explicit)
// and refuses a run that could not hold conns connections within it, with
// a message rather than a flood of "too many open files".
func checkFiles(conns int) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return nil
	}
	if lim.Cur < lim.Max {
		lim.Cur = lim.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	if uint64(conns)+spareFiles > uint64(lim.Cur) {
		return fmt.Errorf("%d connections need %d open files, and the limit here is %d (ulimit -n); at most %d",
			conns, conns+spareFiles, lim.Cur, int64(lim.Cur)-spareFiles)
	}
	return nil
}
