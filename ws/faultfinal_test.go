package ws

import (
	"bytes"
	"compress/flate"
	"net/http"
	"strings"
	"testing"

	"github.com/tlsecho/tlsecho/fault"
)

// TestFaultStreamDeflateFinalBlock: a compressed message whose deflate
// data ends with a block of its own with BFINAL set (RFC 7692 section
// 7.2.3.3 allows it) is inflated by compress/flate, which returns the
// message's last bytes together with io.EOF. The streamed echo loses
// none of them: not the byte after a piece, which a frame computed as
// final from the end alone would drop (32,747 bytes came back as 32,746).
func TestFaultStreamDeflateFinalBlock(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		budget := fault.NewBudget(fault.DefaultMemory)
		in, err := fault.New(fault.Options{Memory: budget})
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan int, 1)
		ts := serve(t, &Server{Faults: in, Compression: true, Hooks: &Hooks{Closed: func(c *Conn) { closed <- c.CloseCode() }}}, nil)
		// A verb that never acts: the echo is the fault echo all the same.
		ts.query = "?fault=close:4000@100000"
		rc, resp := ts.dialRaw(t, http.Header{"Sec-Websocket-Extensions": {"permessage-deflate; client_no_context_takeover; server_no_context_takeover"}})
		if ext := resp.Header.Get("Sec-Websocket-Extensions"); !strings.HasPrefix(ext, "permessage-deflate") {
			t.Fatalf("Sec-WebSocket-Extensions %q, want permessage-deflate", ext)
		}
		// The echo's piece without frag: 16 KiB less its frame's header
		// and the byte after it.
		const piece = 16<<10 - 11
		for _, size := range []int{3000, piece, piece + 1, 2*piece + 1} {
			msg := binaryOfSize(size)
			var b bytes.Buffer
			w, err := flate.NewWriter(&b, flate.BestSpeed)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(msg)
			w.Close() // the final block, where RFC 7692 usually has a sync flush
			rc.write(frame{fin: true, rsv: rsv1, op: opBinary, payload: b.Bytes()})
			op, rsv, got := rc.readMessage()
			if rsv != 0 {
				// A message of one piece goes out whole, compressed.
				got = inflate(t, got)
			}
			if op != opBinary || !bytes.Equal(got, msg) {
				t.Errorf("a compressed message of %d bytes ending with a final block: echo of %d bytes, opcode %#x, equal %v", size, len(got), op, bytes.Equal(got, msg))
			}
		}
		rc.write(frame{fin: true, op: opClose, payload: closePayload(1000, "")})
		if code, reason := rc.readClose(); code != 1000 {
			t.Errorf("the server answered the close with %d %q, want 1000", code, reason)
		}
		rc.expectEnd()
		if code := awaitClosed(t, closed, 1)[0]; code != 1000 {
			t.Errorf("the connection ended with code %d, want 1000", code)
		}
		wantNoneHeld(t, budget, "the connection ended")
	})
}
