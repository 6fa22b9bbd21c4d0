package ws

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/tlsecho/tlsecho/fault"
)

// crawlConn is a client's socket that, once crawling is set, reads at
// most crawlChunk bytes at each tick.
type crawlConn struct {
	net.Conn
	crawling atomic.Bool
	tick     <-chan time.Time
	stop     <-chan struct{} // closed when the test ends
}

// crawlChunk is what a crawling client reads each second.
const crawlChunk = 512

func (c *crawlConn) Read(p []byte) (int, error) {
	if c.crawling.Load() {
		select {
		case <-c.tick:
		case <-c.stop:
		}
		p = p[:min(len(p), crawlChunk)]
	}
	return c.Conn.Read(p)
}

// TestServerCloseCrawlingReader: a client that reads 512 bytes a second
// through a 2 KiB receive buffer (SO_RCVBUF), steadily, is not taken for
// one that reads nothing while a close the server starts waits for the
// echo being written to it: the close frame goes out behind the echo.
// Its kernel opens the window only every 4 s or so, and acknowledges
// nothing in between; the close's watch used to give up after 2 s without
// an acknowledgement and close the socket, so such a client read its echo
// and then met the end of the stream, not the close.
func TestServerCloseCrawlingReader(t *testing.T) {
	t.Parallel()
	eachTransport(t, func(t *testing.T, serve startFunc) {
		in, err := fault.New(fault.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// The close waits for a fault echo's write with no bound but the
		// watch of what the client takes.
		s, closed := closingServer(in, 4<<10)
		ts := serve(t, s, nil)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		stop, read := make(chan struct{}), make(chan struct{})
		var cc *crawlConn
		nd := smallReceiveBuffer(2 << 10)
		d := ts.dialer()
		d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := nd.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			cc = &crawlConn{Conn: c, tick: tick.C, stop: stop}
			return cc, nil
		}
		d.ReadBufferSize = crawlChunk
		ts.url += "?fault=delay:1ms"
		c, _ := ts.dial(t, d, nil)
		c.SetWriteDeadline(timeIn(ioWait))
		if err := c.WriteMessage(websocket.BinaryMessage, binaryOfSize(10<<10)); err != nil {
			t.Fatal(err)
		}
		waitAllWriting(t, s, 1, "the handler never wrote")
		cc.crawling.Store(true)
		go func() {
			defer close(read)
			for {
				if _, _, err := c.ReadMessage(); err != nil {
					return
				}
			}
		}()
		defer func() {
			close(stop)
			c.Close()
			<-read
		}()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		began := time.Now()
		go s.Shutdown(ctx)
		// The echo's rest takes seconds at 512 B/s; the close frame then
		// waits behind it in the socket's buffers, unanswered, and the
		// server closes after closeWait with the frame sent.
		select {
		case code := <-closed:
			t.Logf("closed %v after the shutdown began, code %d", time.Since(began).Round(time.Millisecond), code)
			if code != websocket.CloseGoingAway {
				t.Errorf("close code %d counted, want %d: the close frame was given up while the client read", code, websocket.CloseGoingAway)
			}
		case <-time.After(time.Minute):
			t.Fatal("not closed a minute after the shutdown began")
		}
	})
}
