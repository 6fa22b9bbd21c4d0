package listener_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/stall"
	"github.com/tlsecho/tlsecho/listener"
)

// alertRecord is the content type of a TLS 1.2 alert record, close_notify
// among them (RFC 5246 section 6.2.1); TLS 1.3 hides it.
const alertRecord = 21

// alertStallSocket is an accepted socket, under TLS 1.2, whose alert
// records never go out (see package stall), as a close_notify does to a
// client whose receive window and the server's send buffer filled just
// before it.
type alertStallSocket struct{ *stall.Conn }

// isAlert picks the writes of alert records.
func isAlert(p []byte) bool { return len(p) > 0 && p[0] == alertRecord }

// closed is closed by the socket's first Close.
func (s *alertStallSocket) closed() <-chan struct{} { return s.Closed() }

// alertStallListener hands out its sockets as alertStallSockets when
// stall is set, and sends each on sockets.
type alertStallListener struct {
	net.Listener
	stall   bool
	sockets chan *alertStallSocket
}

func (l *alertStallListener) Accept() (net.Conn, error) {
	nc, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	s := &alertStallSocket{stall.NewConn(nc, isAlert)}
	select {
	case l.sockets <- s:
	default:
	}
	if !l.stall {
		// Only its closed channel is used.
		return &closeWatch{Conn: nc, s: s}, nil
	}
	return s, nil
}

// closeWatch tells a socket's Close on its alertStallSocket's closed.
type closeWatch struct {
	net.Conn
	s *alertStallSocket
}

func (c *closeWatch) Close() error {
	c.s.Writes.Close()
	return c.Conn.Close()
}

// httpServer is net/http serving a TLS Listener as the command's page
// listeners do, with HTTPConns.
type httpServer struct {
	hs      *http.Server
	conns   *listener.HTTPConns
	addr    string
	sockets chan *alertStallSocket
	// idle gets the time of each StateIdle.
	idle chan time.Time
	// fresh gets a value for each StateNew.
	fresh chan struct{}
	// held gets a value as each request for /hold begins; it is answered
	// once release is closed.
	held    chan struct{}
	release chan struct{}
}

func startHTTPServer(t *testing.T, stall bool, idleTimeout time.Duration) *httpServer {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &httpServer{sockets: make(chan *alertStallSocket, 1), idle: make(chan time.Time, 1), fresh: make(chan struct{}, 4),
		held: make(chan struct{}), release: make(chan struct{})}
	l := listener.New(&alertStallListener{Listener: tcp, stall: stall, sockets: s.sockets}, tlsOptions(t, listener.Options{Name: "https"}))
	s.conns = listener.NewHTTPConns(ioTimeout)
	s.hs = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/hold" {
				s.held <- struct{}{}
				<-s.release
			}
			io.WriteString(w, "ok\n")
		}),
		ConnContext:       listener.ConnContext,
		ReadHeaderTimeout: ioTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState: func(nc net.Conn, st http.ConnState) {
			s.conns.ConnState(nc, st)
			if st == http.StateNew {
				select {
				case s.fresh <- struct{}{}:
				default:
				}
			}
			if st == http.StateIdle {
				select {
				case s.idle <- time.Now():
				default:
				}
			}
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	s.hs.RegisterOnShutdown(s.conns.CloseNew)
	s.addr = l.Addr().String()
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.hs.Serve(l)
	}()
	t.Cleanup(func() {
		s.hs.Close()
		<-served
	})
	return s
}

// shutdown drains the server as the command does.
func (s *httpServer) shutdown(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	s.conns.Drain()
	if err := s.hs.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	s.conns.Wait()
}

// dial connects with TLS 1.2, whose alert records show on the wire, and
// records what the client reads in wire.
func (s *httpServer) dial(t *testing.T) (*tls.Conn, *alertStallSocket, *wireLog) {
	t.Helper()
	raw, err := net.DialTimeout("tcp", s.addr, ioTimeout)
	if err != nil {
		t.Fatal(err)
	}
	w := &wireLog{Conn: raw}
	cfg := clientConfig(t)
	cfg.MaxVersion = tls.VersionTLS12
	c := tls.Client(w, cfg)
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(ioTimeout))
	if err := c.Handshake(); err != nil {
		t.Fatal(err)
	}
	select {
	case sock := <-s.sockets:
		return c, sock, w
	case <-time.After(ioTimeout):
		t.Fatal("no socket accepted")
	}
	return nil, nil, nil
}

// wireLog keeps what is read from a client's socket.
type wireLog struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (w *wireLog) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.mu.Lock()
	w.got = append(w.got, p[:n]...)
	w.mu.Unlock()
	return n, err
}

// lastRecord is the content type of the last whole TLS record read.
func (w *wireLog) lastRecord() byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	var last byte
	for b := w.got; len(b) >= 5; {
		n := 5 + int(binary.BigEndian.Uint16(b[3:5]))
		if n > len(b) {
			break
		}
		last, b = b[0], b[n:]
	}
	return last
}

// get sends a request and reads its answer: the body too when its length
// is known, the head only otherwise (a body that ends with the connection
// would wait for the close).
func get(t *testing.T, c *tls.Conn, request string) *http.Response {
	t.Helper()
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength >= 0 {
		io.Copy(io.Discard, resp.Body)
	}
	return resp
}

// maxHeaderBytes is the test server's MaxHeaderBytes.
const maxHeaderBytes = 4 << 10

const goodRequest = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"

// httpCloseTests are the ways net/http ends a connection. end makes the
// server decide to end it and returns when it did, or from when the end
// is bounded.
var httpCloseTests = []struct {
	name string
	// idle is the server's IdleTimeout.
	idle time.Duration
	end  func(t *testing.T, s *httpServer, c *tls.Conn) time.Time
	// bound is how long after that the socket must be closed, with room
	// for a loaded machine to come; crypto/tls alone takes 5 s.
	bound time.Duration
}{
	{"idle keep-alive timeout", time.Second, func(t *testing.T, s *httpServer, c *tls.Conn) time.Time {
		get(t, c, goodRequest)
		select {
		case at := <-s.idle:
			return at.Add(time.Second)
		case <-time.After(ioTimeout):
			t.Fatal("the connection did not go idle")
		}
		return time.Time{}
	}, listener.LingerWait},
	{"after an error answer", time.Minute, func(t *testing.T, _ *httpServer, c *tls.Conn) time.Time {
		// A header line without a colon: net/http answers 400 itself
		// and closes.
		if resp := get(t, c, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon\r\n\r\n"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", resp.StatusCode)
		}
		return time.Now()
	}, listener.LingerWait},
	{"after a 431 answer", time.Minute, func(t *testing.T, _ *httpServer, c *tls.Conn) time.Time {
		// Headers over MaxHeaderBytes: net/http answers 431 itself, sends
		// close_notify with tls.Conn.CloseWrite and waits half a second
		// before the close.
		big := "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + strings.Repeat("x", 4*maxHeaderBytes) + "\r\n\r\n"
		if resp := get(t, c, big); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d, want 431", resp.StatusCode)
		}
		return time.Now()
	}, listener.LingerWait + 500*time.Millisecond},
	{"at shutdown", time.Minute, func(t *testing.T, s *httpServer, c *tls.Conn) time.Time {
		get(t, c, goodRequest)
		select {
		case <-s.idle:
		case <-time.After(ioTimeout):
			t.Fatal("the connection did not go idle")
		}
		at := time.Now()
		s.shutdown(t)
		return at
	}, listener.LingerWait},
}

// TestHTTPCloseBoundedWhenClientStopsReading: every close net/http makes
// of a TLS connection (idle keep-alive timeout, after an answer that ends
// the connection, at shutdown) sends close_notify, which cannot go out to
// a client that takes nothing more; crypto/tls gives it a write deadline
// of its own, 5 s, which would hold the goroutine, the socket and the
// connection's slot, and Shutdown with them. With HTTPConns the
// socket is closed within listener.LingerWait of the server's decision.
func TestHTTPCloseBoundedWhenClientStopsReading(t *testing.T) {
	t.Parallel()
	for _, tt := range httpCloseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startHTTPServer(t, true, tt.idle)
			c, sock, _ := s.dial(t)
			at := tt.end(t, s, c)
			select {
			case <-sock.closed():
				took := time.Since(at)
				t.Logf("socket closed %v after the server decided to end the connection", took.Round(time.Millisecond))
				if took > tt.bound+2*time.Second {
					t.Errorf("socket closed %v after the server decided to end the connection, want within %v and some room",
						took.Round(time.Millisecond), tt.bound)
				}
			case <-time.After(ioTimeout):
				t.Fatalf("socket still open %v after the server decided to end the connection", ioTimeout)
			}
		})
	}
}

// TestHTTPCloseSendsCloseNotify: a client that reads gets the
// close_notify of every close net/http makes, bounded as it is.
func TestHTTPCloseSendsCloseNotify(t *testing.T) {
	t.Parallel()
	for _, tt := range httpCloseTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startHTTPServer(t, false, tt.idle)
			c, _, wire := s.dial(t)
			tt.end(t, s, c)
			c.SetReadDeadline(time.Now().Add(ioTimeout))
			if _, err := io.Copy(io.Discard, c); err != nil {
				t.Fatalf("after the answer: %v, want the end of the stream", err)
			}
			if got := wire.lastRecord(); got != alertRecord {
				t.Errorf("last record of type %d, want a close_notify (an alert, %d)", got, alertRecord)
			}
		})
	}
}

// TestHTTPAnswerKeepsItsDeadline: the bound on the close_notify leaves
// an answer its own write deadline: a slow handler's answer goes out
// whole, however long past LingerWait it comes.
func TestHTTPAnswerKeepsItsDeadline(t *testing.T) {
	t.Parallel()
	s := startHTTPServer(t, false, time.Minute)
	body := strings.Repeat("x", 1<<20)
	release := make(chan struct{})
	s.hs.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		<-release
		io.WriteString(w, body)
	})
	c, _, _ := s.dial(t)
	c.SetDeadline(time.Now().Add(ioTimeout))
	if _, err := io.WriteString(c, goodRequest); err != nil {
		t.Fatal(err)
	}
	// The answer starts more than LingerWait after its request.
	time.AfterFunc(2*listener.LingerWait, func() { close(release) })
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if err != nil || len(got) != len(body) {
		t.Fatalf("read %d of %d bytes of the answer: %v", len(got), len(body), err)
	}
}

// TestHTTPShutdownClosesIdleAtOnce: Shutdown closes idle connections one
// after another, so each client that has stopped reading would add
// LingerWait to the drain, and a few dozen of them would outlast any
// shutdown timeout. HTTPConns.Drain closes them all at once.
func TestHTTPShutdownClosesIdleAtOnce(t *testing.T) {
	t.Parallel()
	const clients = 10 // one after another: 10 LingerWaits, 5 s
	s := startHTTPServer(t, true, time.Minute)
	for range clients {
		c, _, _ := s.dial(t)
		get(t, c, goodRequest)
		select {
		case <-s.idle:
		case <-time.After(ioTimeout):
			t.Fatal("the connection did not go idle")
		}
	}
	start := time.Now()
	s.shutdown(t)
	took := time.Since(start)
	t.Logf("%d idle connections whose clients stopped reading drained in %v", clients, took.Round(time.Millisecond))
	if bound := clients / 2 * listener.LingerWait; took > bound {
		t.Errorf("drained in %v, want within %v: the idle connections were closed one after another", took.Round(time.Millisecond), bound)
	}
}

// TestHTTPDrainClosesAnsweredAtOnce: a request in flight when the drain
// begins is answered, and its connection, idle then, is closed at once on
// its own goroutine, all such connections together: left to Shutdown they
// would be closed one after another, a LingerWait each for clients that
// have stopped reading.
func TestHTTPDrainClosesAnsweredAtOnce(t *testing.T) {
	t.Parallel()
	const clients = 10 // one after another: 10 LingerWaits, 5 s
	s := startHTTPServer(t, true, time.Minute)
	conns := make([]*tls.Conn, clients)
	for i := range conns {
		conns[i], _, _ = s.dial(t)
		if _, err := io.WriteString(conns[i], strings.Replace(goodRequest, "GET / ", "GET /hold ", 1)); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.held:
		case <-time.After(ioTimeout):
			t.Fatal("the request did not reach the handler")
		}
	}
	s.conns.Drain()
	start := time.Now()
	close(s.release)
	for i, c := range conns {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), ioTimeout)
	defer cancel()
	if err := s.hs.Shutdown(ctx); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	s.conns.Wait()
	took := time.Since(start)
	t.Logf("%d connections answered during the drain closed in %v", clients, took.Round(time.Millisecond))
	if bound := clients / 2 * listener.LingerWait; took > bound {
		t.Errorf("closed in %v, want within %v: the answered connections were closed one after another", took.Round(time.Millisecond), bound)
	}
}

// TestHTTPShutdownClosesNewConnections: net/http serves no request whose
// header it reads once Shutdown has begun, yet took a connection that had
// not sent one for idle only 5 s after its accept: a browser's
// preconnection held a stop that long. CloseNew, run by Shutdown, closes
// those at once: one that sent nothing, and one inside its header.
func TestHTTPShutdownClosesNewConnections(t *testing.T) {
	t.Parallel()
	s := startHTTPServer(t, false, time.Minute)
	silent, _, _ := s.dial(t)
	begun, _, _ := s.dial(t)
	for range 2 {
		select {
		case <-s.fresh:
		case <-time.After(ioTimeout):
			t.Fatal("net/http did not take the connection")
		}
	}
	head, _, _ := strings.Cut(goodRequest, "\r\n")
	if _, err := io.WriteString(begun, head+"\r\n"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		s.shutdown(t)
	}()
	for name, c := range map[string]*tls.Conn{"silent": silent, "inside its header": begun} {
		c.SetReadDeadline(time.Now().Add(ioTimeout))
		n, err := c.Read(make([]byte, 1))
		took := time.Since(start)
		if n > 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("%s: the new connection was not closed (%d bytes, %v)", name, n, err)
		}
		// net/http alone closes it 5 to 6 s after its accept.
		if took > 4*time.Second {
			t.Errorf("%s: the new connection was closed %v into the drain, want within 4s", name, took.Round(time.Millisecond))
		}
	}
	select {
	case <-drained:
	case <-time.After(4 * time.Second):
		t.Fatalf("the drain took over 4s")
	}
	t.Logf("drained in %v", time.Since(start).Round(time.Millisecond))
}
