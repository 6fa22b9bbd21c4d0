package main

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// FuzzSwitchAnswer gives the client's checks of a 101 answer any
// Upgrade, Connection, Sec-WebSocket-Accept, Sec-WebSocket-Protocol and
// Sec-WebSocket-Extensions, all the server's to write. What they say is
// one line whatever the server put in the fields; unaskedChoice finds a
// subprotocol not offered, an extension other than permessage-deflate,
// or that one unoffered, and nothing else; switchProblem names the first
// of the Upgrade, Connection and Sec-WebSocket-Accept checks that fails.
func FuzzSwitchAnswer(f *testing.F) {
	for _, s := range [][6]string{
		{"websocket", "Upgrade", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", "", "", "chat"},
		{"WebSocket", "keep-alive, upgrade", "", "chat", "permessage-deflate; server_no_context_takeover", "chat,superchat"},
		{"h2c", "Upgrade", "x", "evil", "x-webkit-deflate-frame", ""},
		{"websocket", "close", "x", "chat, evil", " , permessage-deflate", "chat"},
		{"", "", "", "\x00\r\n", "a\"b,c", "é"},
	} {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], false)
	}
	f.Fuzz(func(t *testing.T, upgrade, connection, accept, proto, exts, offer string, compress bool) {
		h := http.Header{}
		for k, v := range map[string]string{"Upgrade": upgrade, "Connection": connection, "Sec-Websocket-Accept": accept,
			"Sec-Websocket-Protocol": proto, "Sec-Websocket-Extensions": exts} {
			if v != "" {
				h.Set(k, v)
			}
		}
		req := &http.Request{Header: http.Header{"Sec-WebSocket-Key": {"dGhlIHNhbXBsZSBub25jZQ=="}}}
		resp := &http.Response{StatusCode: http.StatusSwitchingProtocols, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h, Request: req}
		// The client's own offer: tokens, as checkSubprotocols has them.
		var offered []string
		for p := range strings.SplitSeq(offer, ",") {
			if p = strings.TrimSpace(p); isHTTPToken(p) {
				offered = append(offered, p)
			}
		}

		problem := switchProblem(resp)
		if problem == "" || strings.ContainsAny(problem, "\r\n") {
			t.Fatalf("switchProblem = %q; want one line", problem)
		}
		upgradeOK := slices.ContainsFunc(strings.Split(upgrade, ","), func(s string) bool { return strings.EqualFold(strings.TrimSpace(s), "websocket") })
		if !upgradeOK != strings.HasPrefix(problem, "its Upgrade header") {
			t.Fatalf("Upgrade %q: switchProblem = %q", upgrade, problem)
		}

		choice := unaskedChoice(resp, offered, compress)
		if strings.ContainsAny(choice, "\r\n") {
			t.Fatalf("unaskedChoice = %q, more than one line", choice)
		}
		want := proto != "" && !slices.Contains(offered, proto)
		for e := range strings.SplitSeq(exts, ",") {
			name, _, _ := strings.Cut(e, ";")
			if name = strings.TrimSpace(name); name != "" && (name != "permessage-deflate" || !compress) {
				want = true
			}
		}
		if want != (choice != "") {
			t.Fatalf("protocol %q (offered %q), extensions %q (compress %v): unaskedChoice = %q", proto, offered, exts, compress, choice)
		}
	})
}
