package main

import (
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// maxLogValue bounds one value in a log record, in bytes. Many values
// come from the client (an Origin or Host header, an SNI, a path, a
// certificate's subject) and may be tens of KiB: written whole, one
// request would put a 120 KiB line in the log, and a few a second would
// fill a disk. A real one (a DNS name is at most 253 bytes) fits well
// inside.
const maxLogValue = 1024

// clipAttr is the loggers' ReplaceAttr: it cuts a string or error value
// longer than maxLogValue and says how long it was. The stack of a
// recovered panic is the server's own and is kept whole.
func clipAttr(_ []string, a slog.Attr) slog.Attr {
	if a.Key == "stack" {
		return a
	}
	var s string
	switch a.Value.Kind() {
	case slog.KindString:
		s = a.Value.String()
	case slog.KindAny:
		err, ok := a.Value.Any().(error)
		if !ok {
			return a
		}
		s = err.Error()
	default:
		return a
	}
	if len(s) > maxLogValue {
		a.Value = slog.StringValue(clip(s, maxLogValue))
	}
	return a
}

// clip cuts s to at most n bytes, at a character boundary, and adds the
// length it had.
func clip(s string, n int) string {
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:n], len(s))
}
