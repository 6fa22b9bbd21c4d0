// Package runecut finds where UTF-8 text read in pieces can be cut: a
// character may be split between two reads, and whoever checks or shows
// the text must hold its first bytes until the rest comes.
package runecut

import "unicode/utf8"

// Whole returns the length of b without the start of a character that b
// ends before completing: at most utf8.UTFMax-1 bytes are left out, to be
// put before the next piece. Bytes that are not UTF-8 at all count as
// whole; checking them is the caller's.
func Whole(b []byte) int {
	// The last character starts at most UTFMax-1 continuation bytes back.
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			break
		}
	}
	return len(b)
}
