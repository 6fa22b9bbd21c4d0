// Package term tells whether output goes to a terminal, for the commands
// that write differently to one: a live progress line, received bytes
// escaped so that a server cannot drive the terminal.
package term

import (
	"io"
	"os"
)

// Is tells whether w is a terminal: a file that is a character device.
// That is all the commands need to know, and it needs no dependency.
func Is(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
