//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Scratch directories are named scratchPrefix+"run-"+suffix while their run
// lives. A run holds a lock on its directory for as long as it runs; the
// kernel drops the lock of a process that ends in any way, SIGKILL
// included, so a directory whose lock can be taken has no run behind it.
// The lock is taken before the directory gets its "run-" name, so no
// other run ever sees it unlocked while its own run is still alive.
const scratchPrefix = "tlsecho-load-"

// makeScratch makes this run's scratch directory, locked, and removes
// those of runs that were killed before they could remove their own
// (each holds a certificate, a key and up to two built servers). release
// removes this run's directory and drops its lock.
func makeScratch() (dir string, release func(), err error) {
	made, err := os.MkdirTemp("", scratchPrefix+"new-")
	if err != nil {
		return "", nil, err
	}
	lock, err := lockDir(made)
	if err != nil {
		os.RemoveAll(made)
		return "", nil, err
	}
	dir = filepath.Join(filepath.Dir(made), scratchPrefix+"run-"+strings.TrimPrefix(filepath.Base(made), scratchPrefix+"new-"))
	if err := os.Rename(made, dir); err != nil {
		lock.Close()
		os.RemoveAll(made)
		return "", nil, err
	}
	removeAbandoned(filepath.Dir(dir))
	return dir, func() { os.RemoveAll(dir); lock.Close() }, nil
}

// lockDir takes the lock on dir without waiting, held while the returned
// file stays open.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// removeAbandoned removes the scratch directories in tmp whose lock is
// free. A lock held elsewhere, this run's own included (flock locks
// belong to each opening), leaves its directory alone; so does one this
// user may not remove.
func removeAbandoned(tmp string) {
	dirs, _ := filepath.Glob(filepath.Join(tmp, scratchPrefix+"run-*"))
	for _, d := range dirs {
		if lock, err := lockDir(d); err == nil {
			os.RemoveAll(d)
			lock.Close()
		}
	}
}
