package ws

import (
	"unicode/utf8"

	"github.com/tlsecho/tlsecho/internal/runecut"
)

// utf8Stream validates UTF-8 that arrives in pieces: a character may be
// split across reads and across fragments, so up to three trailing bytes of
// an unfinished character are carried into the next piece.
type utf8Stream struct {
	pend [utf8.UTFMax]byte
	n    int
}

// write reports whether b, appended to everything before it, can still be
// (a prefix of) valid UTF-8. It fails as soon as a byte rules that out,
// which is what RFC 6455 section 8.1 asks for ("fail fast").
func (u *utf8Stream) write(b []byte) bool {
	for u.n > 0 && len(b) > 0 {
		u.pend[u.n] = b[0]
		u.n++
		b = b[1:]
		if !utf8.FullRune(u.pend[:u.n]) {
			continue
		}
		if r, size := utf8.DecodeRune(u.pend[:u.n]); r == utf8.RuneError && size <= 1 {
			return false
		}
		u.n = 0
	}
	if len(b) == 0 {
		return true
	}
	// An incomplete last character is kept for the next piece.
	cut := runecut.Whole(b)
	if !utf8.Valid(b[:cut]) {
		return false
	}
	u.n = copy(u.pend[:], b[cut:])
	return true
}

// complete reports whether the stream ended on a character boundary.
func (u *utf8Stream) complete() bool { return u.n == 0 }
