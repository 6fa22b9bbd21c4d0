package main

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
)

// switchProblem says what is wrong with a 101 answer that gorilla refused:
// the first of the checks of RFC 6455 section 4.1 (the client's
// requirements, items 2 to 4) that it fails.
func switchProblem(resp *http.Response) string {
	h := resp.Header
	switch {
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
