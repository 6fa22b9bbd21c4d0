package main

import (
	"io"
	"testing"
)

// thinOddHello is oddHello with a padding extension (RFC 7685) of pad
// bytes, its message cut into records of one byte each.
func thinOddHello(pad int) []byte {
	rec := oddHello(0, nil)
	msg := rec[5:]
	// The extensions block ends the message; its length follows the
	// version, random, empty session ID, one suite and one compression
	// method.
	at := 4 + 2 + 32 + 1 + 4 + 2
	ext := append([]byte{0, 0x15, byte(pad >> 8), byte(pad)}, make([]byte, pad)...)
	msg = append(msg[:len(msg):len(msg)], ext...)
	extLen := int(msg[at])<<8 | int(msg[at+1]) + len(ext)
	msg[at], msg[at+1] = byte(extLen>>8), byte(extLen)
	body := len(msg) - 4
	msg[1], msg[2], msg[3] = byte(body>>16), byte(body>>8), byte(body)
	var out []byte
	for _, b := range msg {
		out = append(out, 22, 3, 1, 0, 1, b)
	}
	return out
}

// TestHellosTooThin: a hello of 13 KiB a byte a record, 80 KB of records,
// is more than the server reads to describe it, but crypto/tls, given
// every byte, answers it. /hellos says why the entry has no hello, and
// does not take the client's close after the answer for one before its
// hello came.
func TestHellosTooThin(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	nc := sendFirst(t, ta.TLSAddr, thinOddHello(13<<10))
	head := make([]byte, 6)
	if _, err := io.ReadFull(nc, head); err != nil || head[0] != 22 || head[5] != 2 {
		t.Fatalf("the server answered % x, %v; want a ServerHello", head, err)
	}
	nc.CloseWrite()
	io.Copy(io.Discard, nc)
	got := waitHellos(t, ta, "", 1)
	if len(got) != 1 {
		t.Fatalf("%d entries, want 1", len(got))
	}
	want := "client closed the connection during the handshake; the ClientHello is not described: ClientHello spread over more than 73728 bytes of records"
	if e := got[0]; e.Outcome != want || e.JA4 != "" {
		t.Errorf("outcome %q, JA4 %q\nwant %q and no JA4", e.Outcome, e.JA4, want)
	}
}
