package certs

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// refusals remembers the last refused reload of one set of files, so
// that the same refusal made again is logged as an error once. A burst of
// SIGHUPs from a tool that signals after each file it writes, the file
// events of one change coming apart, a directory removed and made again
// empty: each reloads files that have not changed since the last refusal,
// and an error line for each would read as that many problems.
type refusals struct {
	mu   sync.Mutex
	last string // the error and what the files were; empty after a success
}

// note records err as the outcome of a reload of files. again: it is
// the refusal recorded last, the same error with each file of the same
// size and modification time, or missing as it was. cleared: err is nil,
// a reload that worked, and the one before it was refused; the refusal
// is forgotten.
func (r *refusals) note(err error, files ...string) (again, cleared bool) {
	key := ""
	if err != nil {
		var b strings.Builder
		b.WriteString(err.Error())
		for _, f := range files {
			if fi, serr := os.Stat(f); serr == nil {
				fmt.Fprintf(&b, "\x00%s %d %d", f, fi.Size(), fi.ModTime().UnixNano())
			} else {
				fmt.Fprintf(&b, "\x00%s missing", f)
			}
		}
		key = b.String()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	again = key != "" && key == r.last
	cleared = key == "" && r.last != ""
	r.last = key
	return again, cleared
}
