package main

import "strings"

// checkSubprotocols refuses a -subprotocol list the offer cannot carry:
// RFC 6455 section 4.1 (item 10) has each element a token, and each
// once. Such a list was sent as it was, "v1.chat;q=1" or "é" among the
// offer's elements, and a server that ignores what is not a token
// answered with none: the run passed with "subprotocol (none)" and no
// word of the list.
func checkSubprotocols(list string) error {
	seen := map[string]bool{}
	for p := range strings.SplitSeq(list, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !isHTTPToken(p) {
			return clientUsageErr("-subprotocol %q: %q is not a token (RFC 6455 section 4.1): letters, digits and !#$%%&'*+-.^_`|~ only", list, p)
		}
		if seen[p] {
			return clientUsageErr("-subprotocol %q: %q is offered twice (RFC 6455 section 4.1)", list, p)
		}
		seen[p] = true
	}
	return nil
}

// isHTTPToken reports whether s is a token of RFC 9110 section 5.6.2.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := range len(s) {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}
