package certs

import (
	"fmt"
	"io"
	"os"
	"syscall"
)

// maxPEMFile bounds what is read of a certificate, key or CA file: a
// long chain or a large CA bundle is a few hundred KiB, and a file that
// is not one at all (a log written to the wrong path) must not be read
// whole into memory at every reload.
const maxPEMFile = 4 << 20

// readPEMFile reads file, refusing one over maxPEMFile and anything but a
// regular file.
//
// Opening a named pipe for reading waits for a writer, for ever if none
// comes: a FIFO left at the path would hang the start, and a reload would
// hang holding the lock every later reload and SIGHUP waits on. So the
// file is opened without blocking and judged by what it is before a byte
// is read; O_NONBLOCK changes nothing for a regular file.
func readPEMFile(file string) ([]byte, error) {
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		// A Unix socket cannot be opened at all ("no such device or
		// address"): say what is there, as for the others below.
		if fi, serr := os.Stat(file); serr == nil && !fi.Mode().IsRegular() {
			return nil, notRegular(file, fi.Mode())
		}
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, notRegular(file, fi.Mode())
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPEMFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPEMFile {
		return nil, fmt.Errorf("%s is over %d MiB, more than any PEM file this takes", file, maxPEMFile>>20)
	}
	return data, nil
}

// notRegular is the error for a path that holds something else.
func notRegular(file string, m os.FileMode) error {
	return fmt.Errorf("%s is not a regular file (%s)", file, fileKind(m))
}

// fileKind names what a path that is not a regular file is.
func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a named pipe"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeCharDevice != 0:
		return "a character device"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return "mode " + m.String()
}
