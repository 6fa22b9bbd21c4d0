package main

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// switchProblem says what is wrong with a 101 answer that gorilla refused,
// or that the client refused over its HTTP version: the first of the
// checks of RFC 6455 section 4.1 (the client's requirements, items 1 to
// 4) that it fails.
func switchProblem(resp *http.Response) string {
	h := resp.Header
	switch {
	case !resp.ProtoAtLeast(1, 1):
		return "its status line says " + cut(resp.Proto) + ", not HTTP/1.1 or higher"
	case !hasToken(h, "Upgrade", "websocket"):
		return "its Upgrade header is " + quoteHeader(h, "Upgrade") + ", not websocket"
	case !hasToken(h, "Connection", "upgrade"):
		return "its Connection header is " + quoteHeader(h, "Connection") + ", without upgrade"
	case len(h.Values("Sec-WebSocket-Accept")) == 0:
		return "it has no Sec-WebSocket-Accept header, so it did not show it read our key"
	}
	got := quoteHeader(h, "Sec-WebSocket-Accept")
	key := sentKey(resp)
	if key == "" {
		return "its Sec-WebSocket-Accept " + got + " does not match our key"
	}
	return fmt.Sprintf("its Sec-WebSocket-Accept is %s, not %q, the value for the key we sent", got, acceptKey(key))
}

// sentKey is the Sec-WebSocket-Key of the request resp answers. gorilla
// sets it under the spelling of RFC 6455, not Go's canonical one (which
// Header.Get looks for), so the name is compared without regard to case.
func sentKey(resp *http.Response) string {
	if resp.Request == nil {
		return ""
	}
	for name, v := range resp.Request.Header {
		if strings.EqualFold(name, "Sec-WebSocket-Key") && len(v) > 0 {
			return v[0]
		}
	}
	return ""
}

// acceptKey is the Sec-WebSocket-Accept a server answers to key (RFC 6455
// section 4.2.2, item 5.4).
func acceptKey(key string) string {
	h := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	return base64.StdEncoding.EncodeToString(h[:])
}

// hasToken tells whether a comma-separated header, over all its fields,
// holds token, compared without regard to case.
func hasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// quoteHeader quotes a header's fields for a message, "missing" when it
// has none, cut at 64 bytes: a server chooses what is in them.
func quoteHeader(h http.Header, name string) string {
	vs := h.Values(name)
	if len(vs) == 0 {
		return "missing"
	}
	v := strings.Join(vs, ", ")
	if len(v) > 64 {
		return fmt.Sprintf("%q...", v[:64])
	}
	return fmt.Sprintf("%q", v)
}

// unaskedChoice says what the server's 101 chose that the client did not
// offer, or "" when nothing: a subprotocol not among offered, an
// extension other than permessage-deflate, or that one when compress was
// not offered. RFC 6455 section 4.1 (the client's requirements, items 5
// and 6) has the client fail such a connection; gorilla takes any
// subprotocol, ignores unknown extensions and turns compression on
// whether it was offered or not.
func unaskedChoice(resp *http.Response, offered []string, compress bool) string {
	if sub := resp.Header.Get("Sec-WebSocket-Protocol"); sub != "" && !slices.Contains(offered, sub) {
		what := "none"
		if len(offered) > 0 {
			what = strings.Join(offered, ", ")
		}
		return fmt.Sprintf("it chose the subprotocol %q, which the client did not offer (offered: %s)", cut(sub), what)
	}
	for _, v := range resp.Header.Values("Sec-WebSocket-Extensions") {
		for ext := range strings.SplitSeq(v, ",") {
			name, _, _ := strings.Cut(ext, ";")
			name = strings.TrimSpace(name)
			switch {
			case name == "":
			case name != "permessage-deflate":
				return fmt.Sprintf("it answered with the extension %q, which the client did not offer", cut(name))
			case !compress:
				return "it turned on permessage-deflate, which the client did not offer (-compress offers it)"
			}
		}
	}
	return ""
}

// cut bounds a value the server chose for a message.
func cut(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
