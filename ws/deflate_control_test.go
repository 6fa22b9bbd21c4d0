package ws

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// compressedFragments compresses msg as one message and cuts the
// compressed bytes into n frames, RSV1 on the first only.
func compressedFragments(t *testing.T, op byte, msg []byte, n int) []frame {
	t.Helper()
	z := deflate(t, msg)
	var frames []frame
	step := (len(z) + n - 1) / n
	for i := 0; i < len(z); i += step {
		f := frame{op: opCont, payload: z[i:min(i+step, len(z))]}
		if i == 0 {
			f.op, f.rsv = op, rsv1
		}
		frames = append(frames, f)
	}
	frames[len(frames)-1].fin = true
	return frames
}

// TestCompressedEchoControlFrames: pings arriving while a compressed
// message is echoed are answered between its frames, and neither the
// pongs nor the message's continuation frames carry RSV1 (RFC 7692
// section 6.1).
func TestCompressedEchoControlFrames(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
		// Random bytes do not compress: each 32 KiB piece the server reads
		// goes out as a frame of its own, so data frames come back while the
		// message is still being sent.
		msg := binaryOfSize(512 << 10)
		frags := compressedFragments(t, opBinary, msg, 8)
		var payload []byte
		data, pongs := 0, 0
		readData := func() frame {
			f := rc.mustFrame()
			for f.op >= opClose {
				t.Fatalf("unexpected %v", f)
			}
			switch {
			case data == 0 && (f.op != opBinary || f.rsv != rsv1):
				t.Fatalf("first frame %v, want binary with RSV1", f)
			case data > 0 && (f.op != opCont || f.rsv != 0):
				t.Fatalf("frame %d %v, want a continuation without RSV1", data, f)
			}
			data++
			payload = append(payload, f.payload...)
			return f
		}
		var last frame
		for i, fr := range frags[:len(frags)-1] {
			rc.write(fr)
			if i == 0 {
				// The echo has begun once its first frame is here.
				last = readData()
			}
			ping := []byte{'p', byte('0' + i)}
			rc.write(frame{fin: true, op: opPing, payload: ping})
			// Data frames may come before the pong; the pong comes before
			// the message ends, which needs the last fragment.
			for {
				f := rc.mustFrame()
				if f.op == opPong {
					if f.rsv != 0 || !f.fin || !bytes.Equal(f.payload, ping) {
						t.Fatalf("pong %v %q, want %q without reserved bits", f, f.payload, ping)
					}
					pongs++
					break
				}
				if f.op >= opClose {
					t.Fatalf("unexpected %v", f)
				}
				if f.fin {
					t.Fatalf("message ended before its last fragment was sent")
				}
				if f.op != opCont || f.rsv != 0 {
					t.Fatalf("frame %d %v, want a continuation without RSV1", data, f)
				}
				data++
				payload = append(payload, f.payload...)
			}
		}
		rc.write(frags[len(frags)-1])
		for !last.fin {
			last = readData()
		}
		if data < 3 || pongs != len(frags)-1 {
			t.Fatalf("%d data frames and %d pongs, want pongs between several frames", data, pongs)
		}
		inflateExact(t, payload, msg)
	})
}

// TestCompressedEchoShutdown: a shutdown in the middle of a compressed
// echo sends close 1001 between the message's frames; what was sent of
// the message is a sound start of its deflate stream, RSV1 on its first
// frame only.
func TestCompressedEchoShutdown(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		ts := serve(t, &Server{Compression: true}, nil)
		rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
		msg := binaryOfSize(256 << 10)
		frags := compressedFragments(t, opBinary, msg, 4)
		rc.write(frags[0])
		first := rc.mustFrame()
		if first.op != opBinary || first.rsv != rsv1 || first.fin {
			t.Fatalf("first frame %v, want binary with RSV1, not final", first)
		}
		payload := first.payload
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*ioWait)
			defer cancel()
			done <- ts.srv.Shutdown(ctx)
		}()
		for {
			f := rc.mustFrame()
			if f.op == opClose {
				if f.rsv != 0 {
					t.Fatalf("close %v has reserved bits", f)
				}
				if code := int(f.payload[0])<<8 | int(f.payload[1]); code != websocket.CloseGoingAway {
					t.Fatalf("close %d, want 1001", code)
				}
				break
			}
			if f.op != opCont || f.rsv != 0 || f.fin {
				t.Fatalf("%v before the close, want an unfinished continuation without RSV1", f)
			}
			payload = append(payload, f.payload...)
		}
		rc.write(frame{fin: true, op: opClose, payload: closePayload(websocket.CloseGoingAway, "")})
		rc.expectEnd()
		if err := <-done; err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		// What came is the start of the message: it inflates to a prefix.
		got, err := io.ReadAll(flate.NewReader(bytes.NewReader(append(payload, deflateTail...))))
		if !errors.Is(err, io.ErrUnexpectedEOF) || !bytes.Equal(got, msg[:len(got)]) || len(got) == 0 {
			t.Fatalf("partial echo inflates to %d bytes (%v), want a start of the message", len(got), err)
		}
	})
}

// TestCompressedEchoFaults: with frag:N or delay on a compressed
// connection the fault echo's messages are sound too: frag:N sends them
// plain, in frames of at most N bytes without RSV1 (section 6.1 allows
// an uncompressed message); delay sends them compressed, RSV1 on the
// first frame only.
func TestCompressedEchoFaults(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		for _, tt := range []struct {
			spec       string
			compressed bool
			maxFrame   int
		}{
			{"frag:1000", false, 1000},
			{"delay:200ms", true, 0},
		} {
			t.Run(tt.spec, func(t *testing.T) {
				t.Parallel()
				in, err := fault.New(fault.Options{})
				if err != nil {
					t.Fatal(err)
				}
				ts := serve(t, &Server{Compression: true, Faults: in}, nil)
				ts.query = "?fault=" + tt.spec
				rc, _ := ts.dialRaw(t, http.Header{"Sec-WebSocket-Extensions": {"permessage-deflate"}})
				for _, size := range []int{0, 1, 32769, 100_000} {
					msg := textOfSize(size)
					sent := time.Now()
					rc.write(frame{fin: true, rsv: rsv1, op: opText, payload: deflate(t, msg)})
					if tt.compressed {
						_, payload, _ := readCompressed(t, rc, nil)
						if d := time.Since(sent); d < 200*time.Millisecond {
							t.Fatalf("echo after %v: the delay was not applied", d)
						}
						inflateExact(t, payload, msg)
						continue
					}
					var got []byte
					for i := 0; ; i++ {
						f := rc.mustFrame()
						if f.rsv != 0 || i == 0 && f.op != opText || i > 0 && f.op != opCont || len(f.payload) > tt.maxFrame {
							t.Fatalf("%d bytes: frame %d %v, want plain frames of at most %d bytes", size, i, f, tt.maxFrame)
						}
						got = append(got, f.payload...)
						if f.fin {
							break
						}
					}
					if !bytes.Equal(got, msg) {
						t.Fatalf("%d bytes: echo of %d differs", size, len(got))
					}
				}
			})
		}
	})
}
