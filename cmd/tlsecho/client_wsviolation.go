package main

import (
	"strings"
)

// wsViolations are gorilla's names for the ways a peer breaks RFC 6455's
// framing, each said in words. gorilla answers every one with close 1002
// and returns "websocket: " and the names it found, joined by ", "; it
// exports no error type for them, so the names are matched.
var wsViolations = []struct{ name, words string }{
	{"bad MASK", "a masked frame (a server must not mask, RFC 6455 section 5.1)"},
	{"bad close code ", "a close frame with code %s, which may not be sent (RFC 6455 section 7.4)"},
	{"invalid utf8 payload in close frame", "a close frame whose reason is not UTF-8 (RFC 6455 section 5.5.1)"},
	{"RSV1 set", "a frame with RSV1 set, and no extension agreed that defines it (RFC 6455 section 5.2)"},
	{"RSV2 set", "a frame with RSV2 set, and no extension agreed that defines it (RFC 6455 section 5.2)"},
	{"RSV3 set", "a frame with RSV3 set, and no extension agreed that defines it (RFC 6455 section 5.2)"},
	{"len > 125 for control", "a control frame longer than 125 bytes (RFC 6455 section 5.5)"},
	{"FIN not set on control", "a fragmented control frame (RFC 6455 section 5.5)"},
	{"data before FIN", "a new message before the last fragment of the one before (RFC 6455 section 5.4)"},
	{"continuation after FIN", "a continuation frame with no message to continue (RFC 6455 section 5.4)"},
	{"bad opcode ", "a frame with the unknown opcode %s (RFC 6455 section 5.2)"},
}

// wsViolation says in words how the server broke the WebSocket framing,
// when err is gorilla's report of that.
func wsViolation(err error) (string, bool) {
	rest, ok := strings.CutPrefix(err.Error(), "websocket: ")
	if !ok || rest == "" {
		return "", false
	}
	var said []string
	for part := range strings.SplitSeq(rest, ", ") {
		words, ok := violationWords(part)
		if !ok {
			return "", false
		}
		said = append(said, words)
	}
	return strings.Join(said, ", and "), true
}

func violationWords(part string) (string, bool) {
	for _, v := range wsViolations {
		if !strings.HasSuffix(v.name, " ") {
			if part == v.name {
				return v.words, true
			}
			continue
		}
		if arg, ok := strings.CutPrefix(part, v.name); ok && arg != "" {
			return strings.Replace(v.words, "%s", arg, 1), true
		}
	}
	return "", false
}
