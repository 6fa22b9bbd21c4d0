package main

import (
	"io"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// jsonEscaper writes JSON log records with DEL and every non-ASCII
// character that does not print (unicode.IsPrint) escaped as \uXXXX: the bidi
// controls (U+202A-202E, U+2066-2069, U+200E/F) and the other format
// characters that reorder or hide text, and the invisible spaces.
// slog's JSONHandler writes them raw, where its TextHandler quotes them,
// and many values in the log come from the client (an Origin, a Host, a
// path, an SNI): raw, a U+202E in one would make a log viewer show the
// rest of the line reversed. An escape decodes to the same string, so a
// program reading the JSON sees no difference.
//
// Outside its strings JSON is ASCII, so every such character the handler
// writes is inside a string, where \uXXXX is valid. slog handlers write
// each record with one Write, so a record is never split between calls.
type jsonEscaper struct{ w io.Writer }

func (e jsonEscaper) Write(p []byte) (int, error) {
	i := firstHidden(p)
	if i < 0 {
		return e.w.Write(p)
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
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// del is ASCII's DEL, a control character that slog's JSONHandler
// writes raw (it escapes those below U+0020 only) and its TextHandler
// quotes: a client can put one in a close frame's reason.
const del = 0x7f

// firstHidden is the index in p of the first character jsonEscaper
// escapes, or -1: most records are ASCII and pass through untouched.
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
