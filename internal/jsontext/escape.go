// Package jsontext escapes, in JSON text, the characters that do not
// print: what a client sent (an SNI, an Origin, a path) must not make a
// viewer of the server's logs or answers show text reversed or hidden.
package jsontext

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Escape returns p, JSON text, with DEL and every non-ASCII character
// that does not print (unicode.IsPrint) escaped as \uXXXX: the bidi
// controls (U+202A-202E, U+2066-2069, U+200E/F) and the other format
// characters that reorder or hide text, and the invisible spaces.
// encoding/json and slog's JSONHandler write them raw: a U+202E in a
// value makes a log viewer or a browser's JSON view show the rest of the
// line reversed. An escape decodes to the same string, so a program
// reading the JSON sees no difference.
//
// Outside its strings JSON is ASCII, so every such character in p is
// inside a string, where \uXXXX is valid. p is returned itself when it
// holds none (most text is ASCII), else a new slice.
func Escape(p []byte) []byte {
	i := firstHidden(p)
	if i < 0 {
		return p
	}
	out := make([]byte, 0, len(p)+32)
	out = append(out, p[:i]...)
	for i < len(p) {
		if p[i] == del {
			out = appendEscape(out, del)
			i++
			continue
		}
		if p[i] < utf8.RuneSelf {
			out = append(out, p[i])
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError || unicode.IsPrint(r) {
			out = append(out, p[i:i+size]...)
		} else {
			out = appendEscape(out, r)
		}
		i += size
	}
	return out
}

// del is ASCII's DEL, a control character that encoding/json writes raw
// (it escapes those below U+0020 only): a client can put one in a
// WebSocket close frame's reason.
const del = 0x7f

// firstHidden is the index in p of the first character Escape escapes,
// or -1.
func firstHidden(p []byte) int {
	for i := 0; i < len(p); {
		if p[i] == del {
			return i
		}
		if p[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r != utf8.RuneError && !unicode.IsPrint(r) {
			return i
		}
		i += size
	}
	return -1
}

// appendEscape appends r as JSON's \uXXXX, a surrogate pair beyond the
// Basic Multilingual Plane (the tag characters U+E0000-E007F hide text
// too).
func appendEscape(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	units := []rune{r}
	if r > 0xffff {
		r1, r2 := utf16.EncodeRune(r)
		units = []rune{r1, r2}
	}
	for _, u := range units {
		out = append(out, '\\', 'u', hex[u>>12&0xf], hex[u>>8&0xf], hex[u>>4&0xf], hex[u&0xf])
	}
	return out
}
