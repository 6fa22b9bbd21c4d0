package ws

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// The opening handshake's checks that gorilla leaves out (RFC 6455
// section 4.2.1, RFC 7692 section 5): the request line's version, fields
// that must appear once, the subprotocol answered, and which
// permessage-deflate offers the server may accept.

// allowed is the Allow field of a 405: the methods /ws serves.
const allowed = "GET, HEAD"

// checkHandshake refuses what gorilla would upgrade though RFC 6455
// forbids it, or would refuse with a status the RFC does not ask for, and
// returns the status to answer with; the headers that status calls for
// are set on h. It refuses an HTTP/1.0 request (section 4.2.1, item 1),
// a Sec-WebSocket-Key or Sec-WebSocket-Version field that appears more
// than once or, for the version, lists more than one value (sections
// 11.3.1 and 11.3.5), an upgrade with a body, and one by HEAD, all with
// 400. An upgrade by any other method but GET gets 405 (section 4.2.1,
// item 1), and one asking for a version other than 13, or naming none,
// 426 (section 4.2.2, the negotiation of section 4.4). A request that is no
// upgrade at all is left to gorilla, which answers 400.
func checkHandshake(r *http.Request, h http.Header) (int, error) {
	if !r.ProtoAtLeast(1, 1) {
		return http.StatusBadRequest, errors.New("ws: a WebSocket upgrade needs HTTP/1.1 or later")
	}
	if len(r.Header.Values("Sec-Websocket-Key")) > 1 {
		return http.StatusBadRequest, errors.New("ws: Sec-WebSocket-Key appears more than once")
	}
	v := r.Header.Values("Sec-Websocket-Version")
	if len(v) > 1 || len(v) == 1 && strings.Contains(v[0], ",") {
		// The request's field is one version, once (section 11.3.5):
		// a list is no offer to choose from but a malformed request.
		return http.StatusBadRequest, errors.New("ws: Sec-WebSocket-Version must be 13, once")
	}
	if !asksUpgrade(r) {
		return 0, nil
	}
	if r.Method == http.MethodHead {
		// HEAD is served where GET is (it answers as a GET without an
		// upgrade), so a 405 would contradict its own Allow field; the
		// upgrade itself is a bad handshake, which section 4.2.1 answers
		// with 400.
		return http.StatusBadRequest, errors.New("ws: a WebSocket upgrade is a GET request, not HEAD")
	}
	if r.Method != http.MethodGet {
		// gorilla answers 405 too, but without the Allow field RFC 9110
		// section 15.5.6 requires of it. It names HEAD beside GET, as
		// tlsecho's router does for every path it serves: one answer
		// whichever layer gives it.
		h.Set("Allow", allowed)
		return http.StatusMethodNotAllowed, fmt.Errorf("ws: a WebSocket upgrade is a GET request, not %s", r.Method)
	}
	if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
		// The handshake has no body (section 4.2.1). gorilla would take
		// the connection over and then find the body where frames belong:
		// read with the request, it closes with no answer at all; arriving
		// after, it is taken for frames.
		return http.StatusBadRequest, errors.New("ws: a WebSocket upgrade request has no body")
	}
	if len(v) == 1 && strings.TrimSpace(v[0]) == "13" {
		return 0, nil
	}
	// 426 is the status of section 4.4's example, and the one clients
	// that negotiate look for before they retry with a version the
	// server names. A request without the field is answered alike: it
	// comes from a client of a draft before RFC 6455 (hixie-76 sends
	// none), which is a version mismatch too, and the answer tells its
	// user which version to speak. RFC 9110 section 15.5.22 has a 426
	// name the protocol to upgrade to in an Upgrade field, with
	// "upgrade" in Connection (section 7.8).
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	if len(v) == 0 {
		return http.StatusUpgradeRequired, errors.New("ws: no Sec-WebSocket-Version; this server speaks 13")
	}
	return http.StatusUpgradeRequired, fmt.Errorf("ws: Sec-WebSocket-Version %q is not supported; this server speaks 13", strings.TrimSpace(v[0]))
}

// asksUpgrade reports whether r asks for a WebSocket upgrade the way
// gorilla looks for one: the "upgrade" token in Connection and
// "websocket" in Upgrade, each compared without regard to case (section
// 4.2.1, items 3 and 4). gorilla refuses anything else with 400 before it
// looks at the method or the version.
func asksUpgrade(r *http.Request) bool {
	return hasToken(r.Header.Values("Connection"), "upgrade") &&
		hasToken(r.Header.Values("Upgrade"), "websocket")
}

// hasToken reports whether one of the comma-separated lists in values
// holds want, compared without regard to case.
func hasToken(values []string, want string) bool {
	for _, v := range values {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), want) {
				return true
			}
		}
	}
	return false
}

// subprotocol is the subprotocol the echo answers with: the first one
// offered that is a token, as the answer must be (section 4.2.2); "" if
// none. The offer may take several Sec-WebSocket-Protocol fields, one
// list in all (section 11.3.4); gorilla's Subprotocols reads only the
// first.
func subprotocol(r *http.Request) string {
	for _, field := range r.Header.Values("Sec-Websocket-Protocol") {
		for p := range strings.SplitSeq(field, ",") {
			// Only HTTP's whitespace (RFC 9110 section 5.6.3): TrimSpace
			// took a no-break space for it, answering "chat" to an offer
			// of "chat\u00a0", which the client did not make.
			if p = strings.Trim(p, " \t"); isToken(p) {
				return p
			}
		}
	}
	return ""
}

// acceptsDeflate reports whether one of the client's permessage-deflate
// offers is one the server can accept with what gorilla answers
// ("permessage-deflate; server_no_context_takeover;
// client_no_context_takeover"). RFC 7692 section 5 has a server decline
// an offer with a parameter it does not define, a parameter twice or a
// value out of range; and an offer with server_max_window_bits can only be
// accepted by answering it, with a window the server keeps to, which
// gorilla cannot (section 7.1.2.1). client_max_window_bits needs no
// answer: the client then uses the largest window, which gorilla takes.
// A field that does not parse offers nothing.
func acceptsDeflate(values []string) bool {
	for _, v := range values {
		offers, ok := parseExtensions(v)
		if !ok {
			return false
		}
		for _, o := range offers {
			if o.name == "permessage-deflate" && deflateParamsOK(o.params) { // as gorilla matches it
				return true
			}
		}
	}
	return false
}

// deflateParamsOK checks the parameters of one permessage-deflate offer.
func deflateParamsOK(params []extensionParam) bool {
	seen := map[string]bool{}
	for _, p := range params {
		name := strings.ToLower(p.name)
		if seen[name] {
			return false
		}
		seen[name] = true
		switch name {
		case "server_no_context_takeover", "client_no_context_takeover":
			if p.hasValue {
				return false
			}
		case "client_max_window_bits":
			if p.hasValue && !windowBits(p.value) {
				return false
			}
		default: // server_max_window_bits among them, see acceptsDeflate
			return false
		}
	}
	return true
}

// windowBits reports whether v is a window size in bits: 8 to 15, in
// decimal without leading zeros (RFC 7692 section 7.1.2).
func windowBits(v string) bool {
	switch v {
	case "8", "9", "10", "11", "12", "13", "14", "15":
		return true
	}
	return false
}

// extension is one element of a Sec-WebSocket-Extensions field.
type extension struct {
	name   string
	params []extensionParam
}

type extensionParam struct {
	name, value string
	hasValue    bool
}

// parseExtensions parses one Sec-WebSocket-Extensions field value (RFC
// 6455 section 9.1): a comma-separated list of extension tokens, each
// with ";"-separated parameters, a parameter's value a token or a quoted
// string that unquotes to one. ok is false when it does not parse.
func parseExtensions(v string) (exts []extension, ok bool) {
	s := v
	for {
		s = skipSpace(s)
		if s == "" {
			return exts, true
		}
		if s[0] == ',' { // empty list elements are allowed (RFC 7230 section 7)
			s = s[1:]
			continue
		}
		var e extension
		if e.name, s = token(s); e.name == "" {
			return nil, false
		}
		for s = skipSpace(s); s != "" && s[0] == ';'; s = skipSpace(s) {
			var p extensionParam
			if p.name, s = token(skipSpace(s[1:])); p.name == "" {
				return nil, false
			}
			if s = skipSpace(s); s != "" && s[0] == '=' {
				p.hasValue = true
				if p.value, s, ok = paramValue(skipSpace(s[1:])); !ok {
					return nil, false
				}
			}
			e.params = append(e.params, p)
		}
		exts = append(exts, e)
		if s != "" && s[0] != ',' {
			return nil, false
		}
	}
}

// paramValue reads a token, or a quoted string whose content is a token,
// from the start of s.
func paramValue(s string) (value, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		value, rest = token(s)
		return value, rest, value != ""
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '"':
			value = b.String()
			return value, s[i+1:], isToken(value)
		case '\\':
			if i++; i == len(s) {
				return "", "", false
			}
			b.WriteByte(s[i])
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false // no closing quote
}

// token splits the longest token off the start of s.
func token(s string) (tok, rest string) {
	i := 0
	for i < len(s) && isTokenChar(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func skipSpace(s string) string { return strings.TrimLeft(s, " \t") }

// isToken reports whether s is a token (RFC 7230 section 3.2.6).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("\"(),/:;<=>?@[\\]{}", rune(c))
}
