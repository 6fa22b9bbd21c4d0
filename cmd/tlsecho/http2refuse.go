package main

import (
	"encoding/binary"
	"net/http"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// http2Required is the debug text of refuseHTTP2's GOAWAY, which HTTP/2
// clients show beside its code.
const http2Required = "tlsecho speaks HTTP/1.1 only: HTTP/2 is not served on this port; send HTTP/1.1"

// isHTTP2Preface reports whether r is the start of HTTP/2's connection
// preface, "PRI * HTTP/2.0", which net/http hands to the handler as a
// request (so that one may take HTTP/2 over) when it does not serve
// HTTP/2 without TLS itself.
func isHTTP2Preface(r *http.Request) bool {
	return r.Method == "PRI" && r.RequestURI == "*" && r.ProtoMajor == 2 && r.ProtoMinor == 0
}

// refuseHTTP2 answers a client that speaks HTTP/2 from its first byte
// (prior knowledge, RFC 9113 section 3.3) in the protocol it speaks: the
// server's preface, an empty SETTINGS frame, then GOAWAY with
// HTTP_1_1_REQUIRED (section 7), which clients report with its code and
// text (curl -v: "received GOAWAY, error=13"). An HTTP/1.1 answer is
// no answer to such a client: curl called it an empty reply. The
// connection then closes as net/http closes one, what the client still
// sends read and discarded for half a second, so that no reset drops the
// GOAWAY.
func refuseHTTP2(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		http.Error(w, "505 HTTP Version Not Supported: "+http2Required, http.StatusHTTPVersionNotSupported)
		return
	}
	nc, _, err := hj.Hijack()
	if err != nil {
		return
	}
	frame := func(b []byte, typ byte, payload []byte) []byte {
		b = append(b, byte(len(payload)>>16), byte(len(payload)>>8), byte(len(payload)), typ, 0)
		b = binary.BigEndian.AppendUint32(b, 0) // stream 0: the connection
		return append(b, payload...)
	}
	const settings, goAway, http11Required = 0x4, 0x7, 0xd
	var away []byte
	away = binary.BigEndian.AppendUint32(away, 0) // no stream was processed
	away = binary.BigEndian.AppendUint32(away, http11Required)
	away = append(away, http2Required...)
	nc.SetDeadline(time.Now().Add(listener.LingerWait))
	if _, err := nc.Write(frame(frame(nil, settings, nil), goAway, away)); err != nil {
		nc.Close()
		return
	}
	listener.LingerClose(nc)
}
