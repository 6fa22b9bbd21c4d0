package ws

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
)

// inflateExact decodes one compressed message as RFC 7692 section 7.2.2
// has a receiver do, with a fresh inflater (no context is taken over):
// the payload with 00 00 ff ff appended must inflate to want, use every
// byte, and end without a final block (the server never sends one).
func inflateExact(t *testing.T, payload, want []byte) {
	t.Helper()
	in := bytes.NewReader(append(bytes.Clone(payload), deflateTail...))
	got, err := io.ReadAll(flate.NewReader(in))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("inflate %d bytes: %v, want the stream to end unfinished", len(payload), err)
	}
	if in.Len() != 0 {
		t.Fatalf("inflate: %d bytes left over", in.Len())
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("inflated %d bytes, want %d (equal: %v)", len(got), len(want), bytes.Equal(got, want[:min(len(got), len(want))]))
	}
}

// readCompressed reads the frames of one echoed message and checks RFC
// 7692 section 6.1: RSV1 on the first frame and on no other; RSV2 and
// RSV3 on none. Control frames in between are checked the same way and
// handed to onControl.
func readCompressed(t *testing.T, rc *rawConn, onControl func(frame)) (op byte, payload []byte, frames int) {
	t.Helper()
	first := true
	for {
		f := rc.mustFrame()
		if f.op >= opClose {
			if f.rsv != 0 {
				t.Fatalf("control %v has reserved bits set", f)
			}
			if onControl == nil {
				t.Fatalf("unexpected control %v inside a message", f)
			}
			onControl(f)
			continue
		}
		switch {
		case first && (f.op != opText && f.op != opBinary || f.rsv != rsv1):
			t.Fatalf("first frame %v, want a data frame with RSV1 alone", f)
		case !first && (f.op != opCont || f.rsv != 0):
			t.Fatalf("frame %d %v, want a continuation without reserved bits", frames, f)
		}
		if first {
			op = f.op
		}
		first = false
		frames++
		payload = append(payload, f.payload...)
		if f.fin {
			return op, payload, frames
		}
	}
}

// wireOffers are the permessage-deflate offers a client may make;
// the server's answer and its frames must fit each.
var wireOffers = []string{
	"permessage-deflate",
	"permessage-deflate; client_no_context_takeover",
	"permessage-deflate; server_no_context_takeover",
	"permessage-deflate; client_no_context_takeover; server_no_context_takeover",
	"permessage-deflate; client_max_window_bits",
}

// TestCompressedEchoWire decodes the server's compressed echoes frame by
// frame for sizes around deflate's 32 KiB window and up to the limit,
// text and binary, under every offer: each message inflates on its own
// (the server answers server_no_context_takeover), RSV1 marks its first
// frame only, and the 00 00 ff ff of the last flush is left off.
func TestCompressedEchoWire(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		for i, offer := range wireOffers {
			// The answer is the same whatever the offer: every size on the
			// first, the edges of a piece on the others (a megabyte under
			// -race takes seconds).
			sizes := []int{0, 1, 32767, 32768, 32769, 100_000, 1 << 20}
			if i > 0 {
				sizes = []int{0, 32768, 32769}
			}
			t.Run(offer, func(t *testing.T) {
				rc, resp := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {offer}})
				ext := resp.Header.Get("Sec-WebSocket-Extensions")
				if !strings.HasPrefix(ext, "permessage-deflate") || !strings.Contains(ext, "server_no_context_takeover") {
					t.Fatalf("Sec-WebSocket-Extensions %q, want permessage-deflate with server_no_context_takeover", ext)
				}
				for _, mt := range []byte{opText, opBinary} {
					for _, size := range sizes {
						msg := textOfSize(size)
						if mt == opBinary {
							msg = binaryOfSize(size)
						}
						// A megabyte of text deflates to a few
						// kilobytes: its one frame comes only once the
						// server has inflated and deflated all of it.
						rc.tb, rc.wait = t, messageWait(size)
						rc.write(frame{fin: true, rsv: rsv1, op: mt, payload: deflate(t, msg)})
						op, payload, _ := readCompressed(t, rc, nil)
						if op != mt {
							t.Fatalf("%d bytes: answer op %#x, want %#x", size, op, mt)
						}
						if size == 0 && !bytes.Equal(payload, []byte{0}) {
							// RFC 7692 section 7.2.3.6.
							t.Fatalf("empty message sent as % x, want 00", payload)
						}
						inflateExact(t, payload, msg)
					}
				}
			})
		}
	})
}

// TestCompressedOfferListForms: an offer that gorilla's own parser reads
// differently from the server's check (an empty list element before it,
// which RFC 9110 section 5.6.1 has a recipient accept) is named in the
// answer, and the echo is compressed: the answer and the frames agree,
// where the echo used to set RSV1 under an answer without the extension.
func TestCompressedOfferListForms(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		for _, offer := range []string{", permessage-deflate", "x-foo, , permessage-deflate"} {
			t.Run(offer, func(t *testing.T) {
				rc, resp := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {offer}})
				if ext := resp.Header.Get("Sec-WebSocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
					t.Fatalf("Sec-WebSocket-Extensions %q, want permessage-deflate", ext)
				}
				msg := textOfSize(1000)
				rc.write(frame{fin: true, rsv: rsv1, op: opText, payload: deflate(t, msg)})
				_, payload, _ := readCompressed(t, rc, nil)
				inflateExact(t, payload, msg)
			})
		}
	})
}
