package fault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaMessages is the Messages a transport provides, in its simplest
// form: the ws package's own adds its deadlines and checks.
type gorillaMessages struct{ c *websocket.Conn }

func (g gorillaMessages) NextReader() (int, io.Reader, error) { return g.c.NextReader() }
func (g gorillaMessages) WriteMessage(mt int, p []byte) error { return g.c.WriteMessage(mt, p) }
func (g gorillaMessages) WriteFrame(f []byte) error {
	_, err := g.c.NetConn().Write(f)
	return err
}

// wsServer is a plain-HTTP WebSocket echo whose connections run
// EchoMessages with the spec of the URL, else of Take("http").
type wsServer struct {
	t    *testing.T
	in   *Injector
	srv  *httptest.Server
	ends chan error
	wg   sync.WaitGroup
}

func startWS(t *testing.T, o Options) *wsServer {
	t.Helper()
	checkLeaks(t)
	o.Listeners = []string{"http"}
	s := &wsServer{t: t, in: newInjector(t, o), ends: make(chan error, 16)}
	up := websocket.Upgrader{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.wg.Add(1)
		defer s.wg.Done()
		ci := ConnInfo{Listener: "http", Peer: r.RemoteAddr, Opened: time.Now()}
		spec, err := s.in.RequestSpec(r, s.in.Take("http"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if s.in.RefuseUpgrade(w, spec, ci) {
			return
		}
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		sess := s.in.Start(spec, ci, Target{
			Socket: c.NetConn(),
			Close: func(code int, reason string) {
				c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), time.Now().Add(time.Second))
			},
			Idle: s.in.IdleTimeout(),
		})
		if sess == nil {
			for err == nil {
				var mt int
				var p []byte
				if mt, p, err = c.ReadMessage(); err == nil {
					err = c.WriteMessage(mt, p)
				}
			}
		} else {
			err = sess.EchoMessages(gorillaMessages{c})
			sess.Stop()
		}
		s.ends <- err
	}))
	t.Cleanup(func() {
		s.srv.Close()
		s.wg.Wait()
	})
	return s
}

// wsClient is a gorilla client that sees the frames the server sends.
type wsClient struct {
	*websocket.Conn
	frames *FrameObserver
}

func (s *wsServer) dial(t *testing.T, query string) (*wsClient, *http.Response, error) {
	t.Helper()
	obs := &FrameObserver{}
	d := websocket.Dialer{
		HandshakeTimeout: 5 * time.Second,
		NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return Observed(c, obs), nil
		},
	}
	u := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/ws"
	if query != "" {
		u += "?fault=" + url.QueryEscape(query)
	}
	c, resp, err := d.Dial(u, nil)
	if err != nil {
		return nil, resp, err
	}
	t.Cleanup(func() { c.Close() })
	return &wsClient{Conn: c, frames: obs}, resp, nil
}

func (s *wsServer) mustDial(t *testing.T, query string) *wsClient {
	t.Helper()
	c, _, err := s.dial(t, query)
	if err != nil {
		t.Fatalf("dial ?fault=%s: %v", query, err)
	}
	return c
}

func (s *wsServer) end() error {
	s.t.Helper()
	return nextEnd(s.t, s.ends)
}

// echo sends msg and checks the echo, returning the round trip.
func (c *wsClient) echo(t *testing.T, msg string) time.Duration {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	start := time.Now()
	if err := c.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatalf("write: %v", err)
	}
	mt, got, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read echo of %q: %v", msg, err)
	}
	if mt != websocket.TextMessage || string(got) != msg {
		t.Fatalf("echo = %d %q, want text %q", mt, got, msg)
	}
	return time.Since(start)
}

// closeClean ends the client's side with a close handshake.
func (c *wsClient) closeClean() {
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""), time.Now().Add(time.Second))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
	}
}

func TestMessagesDelay(t *testing.T) {
	s := startWS(t, Options{})
	const d, j = 100 * time.Millisecond, 50 * time.Millisecond
	c := s.mustDial(t, "delay:100ms~50ms")
	for i := range 4 {
		// At least D; the upper bound only catches a hold far beyond D+J.
		if rtt := c.echo(t, fmt.Sprint("message ", i)); rtt < d || rtt > d+j+2*time.Second {
			t.Errorf("echo %d took %v, want at least %v and not far over %v", i, rtt, d, d+j)
		}
	}
	c.closeClean()
	var ce *websocket.CloseError
	if err := s.end(); !errors.As(err, &ce) || ce.Code != 1000 {
		t.Fatalf("server echo ended with %v", err)
	}
}

func TestMessagesDelayOrder(t *testing.T) {
	s := startWS(t, Options{})
	c := s.mustDial(t, "delay:50ms~200ms")
	for i := range 30 {
		c.WriteMessage(websocket.BinaryMessage, []byte{byte(i)})
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := range 30 {
		_, got, err := c.ReadMessage()
		if err != nil || !bytes.Equal(got, []byte{byte(i)}) {
			t.Fatalf("message %d: %v %v, want [%d]: order lost", i, got, err, i)
		}
	}
}

func TestMessagesFrag(t *testing.T) {
	s := startWS(t, Options{})
	c := s.mustDial(t, "frag:3@1")
	c.echo(t, "first, whole")
	c.echo(t, "0123456789")
	c.echo(t, "")
	got := c.frames.Take()
	want := []Framing{{Frames: 1, Largest: 12}, {Frames: 4, Largest: 3}, {Frames: 1, Largest: 0}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("framing %v, want %v: whole before @1, then frames of at most 3 bytes", got, want)
	}
}

func TestMessagesCloseAfterCount(t *testing.T) {
	s := startWS(t, Options{})
	c := s.mustDial(t, "close:4001:bye now@2")
	c.echo(t, "one")
	c.echo(t, "two")
	// Closed right after the second echo, without waiting for a third
	// message.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "bye now" {
		t.Fatalf("after two echoes: %v, want close 4001 \"bye now\"", err)
	}
	if err := s.end(); !errors.As(err, &ce) || ce.Code != 4001 {
		t.Fatalf("server echo ended with %v, want the client's answer to 4001", err)
	}
}

func TestMessagesFIN(t *testing.T) {
	s := startWS(t, Options{})
	c := s.mustDial(t, "fin@1")
	c.echo(t, "one")
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _, err := c.ReadMessage()
	// gorilla reports a stream that ends without a close frame as 1006
	// with an unexpected EOF: a FIN, not a reset, and no close frame.
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure || ce.Text != io.ErrUnexpectedEOF.Error() {
		t.Fatalf("after fin: %v, want 1006 (unexpected EOF)", err)
	}
	if n := c.frames.Controls(); n != 0 {
		t.Fatalf("%d control frames came before the FIN, want none", n)
	}
	c.Close()
	if err := s.end(); !errors.Is(err, ErrEnded) {
		t.Fatalf("server echo ended with %v", err)
	}
}

func TestMessagesRST(t *testing.T) {
	s := startWS(t, Options{})
	c := s.mustDial(t, "rst@1")
	c.WriteMessage(websocket.TextMessage, []byte("one"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var err error
	for err == nil {
		_, _, err = c.ReadMessage()
	}
	if !isReset(err) {
		t.Fatalf("after rst: %v, want a connection reset", err)
	}
	if err := s.end(); !errors.Is(err, ErrEnded) {
		t.Fatalf("server echo ended with %v", err)
	}
}

func TestMessagesBlackhole(t *testing.T) {
	const idle = 300 * time.Millisecond
	s := startWS(t, Options{IdleTimeout: idle})
	c := s.mustDial(t, "blackhole@1")
	c.echo(t, "one")
	start := time.Now()
	c.WriteMessage(websocket.TextMessage, []byte("two"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, got, err := c.ReadMessage()
	if err == nil || time.Since(start) < idle {
		t.Fatalf("after blackhole: %q, %v after %v; want nothing until the idle timeout %v", got, err, time.Since(start), idle)
	}
	if err := s.end(); !errors.Is(err, ErrEnded) {
		t.Fatalf("server echo ended with %v", err)
	}
}

func TestMessagesStatusAndBadURL(t *testing.T) {
	s := startWS(t, Options{})
	_, resp, err := s.dial(t, "status:503")
	if err == nil || resp == nil || resp.StatusCode != 503 {
		t.Fatalf("status:503: %v, %v", err, resp)
	}
	for q, want := range map[string]string{
		"alert:internal_error": "a URL is read after it",
		"hsdelay:1s":           "a URL is read after it",
		"explode":              "unknown verb",
		"delay:2m":             "longer than",
	} {
		_, resp, err := s.dial(t, q)
		if err == nil || resp == nil || resp.StatusCode != 400 {
			t.Fatalf("?fault=%s: %v, want 400", q, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(body), want) {
			t.Errorf("?fault=%s answered %q, want it to say %q", q, body, want)
		}
	}
}

// TestMessagesSideBySide runs a delayed and a clean connection at once:
// the clean one's echoes are not held.
func TestMessagesSideBySide(t *testing.T) {
	s := startWS(t, Options{})
	slow := s.mustDial(t, "delay:500ms")
	fast := s.mustDial(t, "")
	done := make(chan time.Duration)
	go func() { done <- slow.echo(t, "slow") }()
	for range 5 {
		if rtt := fast.echo(t, "fast"); rtt >= 500*time.Millisecond {
			t.Errorf("a clean echo took %v beside a delayed one", rtt)
		}
	}
	if rtt := <-done; rtt < 500*time.Millisecond {
		t.Errorf("the delayed echo took %v", rtt)
	}
}

// TestMessagesStreamPieces: without frag a message longer than a piece
// comes back in frames of a piece, the last with FIN; a text message's
// characters cut between frames come back whole, since only the message
// must be UTF-8 (RFC 6455 section 5.6). One of a whole number of pieces
// gets no empty frame after them.
func TestMessagesStreamPieces(t *testing.T) {
	s := startWS(t, Options{})
	c := s.mustDial(t, "close:4000@100000")
	// 2-byte characters over an odd piece: the frames cut some.
	text := strings.Repeat("é", 20000)
	c.echo(t, text)
	exact := strings.Repeat("x", 2*streamPiece)
	c.echo(t, exact)
	got := c.frames.Take()
	want := []Framing{{Frames: 3, Largest: streamPiece}, {Frames: 2, Largest: streamPiece}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("framing %v, want %v", got, want)
	}
}
