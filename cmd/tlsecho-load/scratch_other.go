//go:build !unix

package main

import "os"

// makeScratch makes this run's scratch directory; release removes it.
// Outside Unix there is no lock to tell an abandoned directory by, so a
// killed run's directory stays.
func makeScratch() (dir string, release func(), err error) {
	dir, err = os.MkdirTemp("", "tlsecho-load-")
	if err != nil {
		return "", nil, err
	}
	return dir, func() { os.RemoveAll(dir) }, nil
}
