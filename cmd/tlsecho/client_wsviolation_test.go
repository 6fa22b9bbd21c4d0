package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawWSServer is a wss server written by hand, to break RFC 6455 where
// gorilla's server would not: answer is its reply to the upgrade request
// (given the request's Sec-WebSocket-Key), then serve runs on the
// connection with the frames that follow.
func rawWSServer(t *testing.T, answer func(key string) string, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return rawWSServerOn(t, ln, answer, serve)
}

// rawWSServerOn is rawWSServer on a listener of the caller's.
func rawWSServerOn(t *testing.T, ln net.Listener, answer func(key string) string, serve func(c net.Conn, br *bufio.Reader)) string {
	t.Helper()
	addr := serveTLSOn(t, ln, hostileCert(t), []string{"http/1.1"}, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		if _, err := io.WriteString(c, answer(req.Header.Get("Sec-WebSocket-Key"))); err != nil {
			return
		}
		if serve != nil {
			serve(c, br)
		}
	})
	return "wss://" + addr + "/ws"
}

// switched is a correct 101 answer.
func switched(key string) string {
	return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + acceptKey(key) + "\r\n\r\n"
}

// clientFrame reads one masked frame of at most 125 bytes from the client
// and returns its opcode and unmasked payload.
func clientFrame(br *bufio.Reader) (op byte, payload []byte, err error) {
	var h [6]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return 0, nil, err
	}
	payload = make([]byte, h[1]&0x7f)
	if _, err := io.ReadFull(br, payload); err != nil {
		return 0, nil, err
	}
	for i := range payload {
		payload[i] ^= h[2+i%4]
	}
	return h[0] & 0x0f, payload, nil
}

// gatedInput is standard input that gives first at once, then rest once
// open is closed (or ioWait passed), then ends.
type gatedInput struct {
	first, rest string
	open        <-chan struct{}
	step        int
}

func (g *gatedInput) Read(p []byte) (int, error) {
	g.step++
	switch g.step {
	case 1:
		return copy(p, g.first), nil
	case 2:
		select {
		case <-g.open:
		case <-time.After(ioWait):
		}
		return copy(p, g.rest), nil
	}
	return 0, io.EOF
}

// TestClientStdinViolationNotSendError: with lines of standard input, a
// server that breaks the protocol (here a masked frame) makes the client
// close with 1002; a line read after that fails to send ("close sent"),
// and the client reports the violation, not the failed send. The next
// line is given only once the server has the client's close, so the
// reader has ended and both are ready; the run is repeated so that
// either order of the two is met.
func TestClientStdinViolationNotSendError(t *testing.T) {
	t.Parallel()
	closed := make(chan struct{}, 1)
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		if _, _, err := clientFrame(br); err != nil {
			return
		}
		c.Write([]byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2})
		for {
			op, _, err := clientFrame(br)
			if err != nil {
				return
			}
			if op == 0x8 {
				closed <- struct{}{}
				io.Copy(io.Discard, br)
				return
			}
		}
	})
	for range 8 {
		in := &gatedInput{first: "one\n", rest: "two\n", open: closed}
		var errb strings.Builder
		code := clientCmd(t.Context(), []string{"-insecure", "-timeout", "5s", u}, in, io.Discard, &errb)
		if code != exitFailure || strings.Contains(errb.String(), "send to") || !strings.Contains(strings.ToLower(errb.String()), "mask") {
			t.Fatalf("exit %d, stderr %q; want exit %d naming the masked frame", code, errb.String(), exitFailure)
		}
	}
}

// badSwitchTests are 101 answers that are not a WebSocket server's: the
// client refuses each and says which check it fails.
var badSwitchTests = []struct {
	name, headers, want string
}{
	{"no Sec-WebSocket-Accept", "Upgrade: websocket\r\nConnection: Upgrade\r\n",
		"it has no Sec-WebSocket-Accept header"},
	{"wrong Sec-WebSocket-Accept", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n",
		`its Sec-WebSocket-Accept is "AAAAAAAAAAAAAAAAAAAAAAAAAAA=", not "`},
	{"no Upgrade", "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
		"its Upgrade header is missing, not websocket"},
	{"another Upgrade", "Upgrade: h2c\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n",
		`its Upgrade header is "h2c", not websocket`},
	{"no Connection upgrade", "Upgrade: websocket\r\nConnection: keep-alive\r\nSec-WebSocket-Accept: %s\r\n",
		`its Connection header is "keep-alive", without upgrade`},
}

// TestClientBadSwitch: a server that answers the upgrade with 101 but
// not as RFC 6455 section 4.2.2 says is refused with the check it failed
// named, not as an answer "instead of switching", and the right
// Sec-WebSocket-Accept is given beside a wrong one.
func TestClientBadSwitch(t *testing.T) {
	t.Parallel()
	for _, tt := range badSwitchTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wants := make(chan string, 2)
			u := rawWSServer(t, func(key string) string {
				wants <- acceptKey(key)
				h := tt.headers
				if strings.Contains(h, "%s") {
					h = fmt.Sprintf(h, acceptKey(key))
				}
				return "HTTP/1.1 101 Switching Protocols\r\n" + h + "\r\n"
			}, nil)
			for _, args := range [][]string{{u, "hello"}, {u}} {
				r := runClient(t, "hello\n", append([]string{"-insecure", "-timeout", "5s"}, args...)...)
				r.want(t, exitFailure, nil, []string{"answered 101 Switching Protocols, but not as a WebSocket server: " + tt.want})
				if want := <-wants; strings.Contains(tt.name, "wrong") && !strings.Contains(r.stderr, `not "`+want+`", the value for the key we sent`) {
					t.Errorf("the value expected, %s, is not named", want)
				}
			}
		})
	}
}

// violationTests are frames a server must not send, and how the client
// names each.
var violationTests = []struct {
	name  string
	frame []byte
	want  string
}{
	{"masked", []byte{0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}, "a masked frame (a server must not mask"},
	{"close code 999", []byte{0x88, 0x02, 0x03, 0xe7}, "a close frame with code 999, which may not be sent"},
	{"close code 1005", []byte{0x88, 0x02, 0x03, 0xed}, "a close frame with code 1005, which may not be sent"},
	{"close reason not UTF-8", []byte{0x88, 0x04, 0x03, 0xe8, 0xff, 0xfe}, "a close frame whose reason is not UTF-8"},
	{"RSV1 without an extension", []byte{0xc1, 0x02, 'h', 'i'}, "a frame with RSV1 set, and no extension agreed"},
	{"unknown opcode", []byte{0x83, 0x00}, "a frame with the unknown opcode 3"},
	{"fragmented ping", []byte{0x09, 0x00}, "a fragmented control frame"},
	{"continuation alone", []byte{0x80, 0x00}, "a continuation frame with no message to continue"},
	{"two violations", []byte{0xa1, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}, "a frame with RSV2 set, and no extension agreed that defines it (RFC 6455 section 5.2), and a masked frame"},
}

// TestClientNamesViolation: a frame that breaks RFC 6455 in place of the
// echo is named in words, with a message and with standard input. With a
// message the client then closes with 1002, as the RFC asks; with
// standard input it closes with 1002 too when it reads the frame first,
// or with 1000 when the end of input came first (both in one run: which
// comes first is the machine's), and names the violation either way.
func TestClientNamesViolation(t *testing.T) {
	t.Parallel()
	for _, tt := range violationTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			codes := make(chan int, 2)
			u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
				if _, _, err := clientFrame(br); err != nil {
					return
				}
				c.Write(tt.frame)
				for {
					op, p, err := clientFrame(br)
					if err != nil {
						return
					}
					if op == 0x8 && len(p) >= 2 {
						codes <- int(p[0])<<8 | int(p[1])
						return
					}
				}
			})
			for i, args := range [][]string{{u, "hello"}, {u}} {
				r := runClient(t, "hello\n", append([]string{"-insecure", "-timeout", "5s"}, args...)...)
				r.want(t, exitFailure, nil, []string{"broke the WebSocket protocol instead of sending the ", "it sent " + tt.want, "the client sent close 1002"})
				select {
				case code := <-codes:
					if code != 1002 && (i == 0 || code != 1000) {
						t.Errorf("%v: the client closed with %d, want 1002%s", args, code, []string{"", " or 1000"}[i])
					}
				case <-time.After(ioWait):
					t.Error("no close frame from the client")
				}
			}
		})
	}
}

// echoFirstFrame reads the client's first frame and echoes its payload
// as a text frame, unmasked; false when the client sent none.
func echoFirstFrame(c net.Conn, br *bufio.Reader) bool {
	_, p, err := clientFrame(br)
	if err != nil {
		return false
	}
	c.Write(append([]byte{0x81, byte(len(p))}, p...))
	return true
}

// TestClientHugeFrame: a frame that announces 2^63-1 bytes in place of
// the echo is refused at its header, said in words, and nothing of it is
// waited for.
func TestClientHugeFrame(t *testing.T) {
	t.Parallel()
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		for {
			op, _, err := clientFrame(br)
			if err != nil || op == 0x8 {
				return
			}
			c.Write([]byte{0x82, 0x7f, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
		}
	})
	for _, args := range [][]string{{u, "hello"}, {u}} {
		r := runClient(t, "hello\nworld\n", append([]string{"-insecure", "-timeout", "5s"}, args...)...)
		r.want(t, exitFailure, nil, []string{"announced a message larger than the 64 MiB the client reads, instead of sending the "})
	}
}

// echoFrames echoes the client's small frames unmasked and answers its
// close with the same payload.
func echoFrames(c net.Conn, br *bufio.Reader) {
	for {
		op, p, err := clientFrame(br)
		if err != nil {
			return
		}
		if _, err := c.Write(append([]byte{0x80 | op, byte(len(p))}, p...)); err != nil || op == 0x8 {
			return
		}
	}
}

// unaskedTests are 101 answers that choose what the client did not offer.
var unaskedTests = []struct {
	name, headers string
	args          []string
	want          string // empty: the answer is fine and the echo runs
}{
	{"subprotocol not offered", "Sec-WebSocket-Protocol: chat\r\n", nil,
		`it chose the subprotocol "chat", which the client did not offer (offered: none)`},
	{"another subprotocol", "Sec-WebSocket-Protocol: chat\r\n", []string{"-subprotocol", "echo, json"},
		`it chose the subprotocol "chat", which the client did not offer (offered: echo, json)`},
	{"subprotocol offered", "Sec-WebSocket-Protocol: json\r\n", []string{"-subprotocol", "echo, json"}, ""},
	{"compression not offered", "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; client_no_context_takeover\r\n", nil,
		"it turned on permessage-deflate, which the client did not offer"},
	{"unknown extension", "Sec-WebSocket-Extensions: x-frobnicate; level=3\r\n", []string{"-compress"},
		`it answered with the extension "x-frobnicate", which the client did not offer`},
}

// TestClientUnaskedChoice: a 101 answer that picks a subprotocol the
// client did not offer, or an extension it did not ask for, fails the
// run after the report, as RFC 6455 section 4.1 asks of a client; one
// that picks an offered subprotocol is served.
func TestClientUnaskedChoice(t *testing.T) {
	t.Parallel()
	for _, tt := range unaskedTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := rawWSServer(t, func(key string) string {
				return strings.TrimSuffix(switched(key), "\r\n") + tt.headers + "\r\n"
			}, echoFrames)
			r := runClient(t, "", append(append([]string{"-insecure", "-timeout", "5s"}, tt.args...), u, "hello")...)
			if tt.want == "" {
				r.want(t, exitOK, []string{"echo          hello"}, nil)
				return
			}
			r.want(t, exitFailure, []string{"status        101 Switching Protocols"},
				[]string{"answered the upgrade with what the client did not ask for: " + tt.want})
		})
	}
}

// TestClientPongPayload: with -ping, a pong that does not carry the ping's
// payload is not reported as its answer.
func TestClientPongPayload(t *testing.T) {
	t.Parallel()
	u := rawWSServer(t, switched, func(c net.Conn, br *bufio.Reader) {
		for {
			op, p, err := clientFrame(br)
			if err != nil {
				return
			}
			if op == 0x9 {
				p = []byte("other")
				op = 0xa
			}
			if _, err := c.Write(append([]byte{0x80 | op, byte(len(p))}, p...)); err != nil || op == 0x8 {
				return
			}
		}
	})
	r := runClient(t, "", "-insecure", "-ping", "-timeout", "5s", u, "hello")
	r.want(t, exitOK, []string{`1 frame, a pong `, ` with payload "other", not the ping's "tlsecho")`}, nil)
}
