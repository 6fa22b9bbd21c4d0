package main

import (
	"fmt"
	"strings"
)

// escapeQuery percent-encodes the bytes of a URL's query that RFC 3986
// (section 3.4) does not allow there: spaces, controls, non-ASCII and
// the few printable ones such as '"', '<', '>' and '#'. What is allowed,
// '%' escapes included, stays as written, so a query typed already
// escaped is sent unchanged.
func escapeQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		if c := q[i]; queryByte(c) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// queryByte reports whether c may stand as itself in a query: unreserved,
// sub-delims, ':', '@', '/', '?', and '%' of an escape.
func queryByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=:@/?%", c) >= 0
}
