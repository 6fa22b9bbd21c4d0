package main

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// pongWait is how long a pong may take to go out, as gorilla's own ping
// handler allows.
const pongWait = time.Second

// errPongStalled is a pong that could not go out within pongWait: the
// server sends pings and does not read their answers.
var errPongStalled = errors.New("a pong could not be sent within " + pongWait.String())

// answerPings answers each ping with a pong, as gorilla does, but a pong
// that times out ends the read with errPongStalled: gorilla's handler
// returns the bare timeout, which read as an echo missing after -timeout,
// and crypto/tls fails every later write after a write timeout anyway.
// Each ping is counted in tally.
func answerPings(ws *websocket.Conn, tally *pingTally) {
	ws.SetPingHandler(func(data string) error {
		tally.seen.Add(1)
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(pongWait))
		switch {
		case err == nil || errors.Is(err, websocket.ErrCloseSent):
			return nil
		case isTimeout(err):
			return errPongStalled
		}
		return err
	})
}

// pingTally counts the server's pings from the start of a wait, so that
// an echo that does not come while pings do is said so. Once the client
// has sent its close, gorilla sends no pongs (ErrCloseSent), so a server
// that floods pings and reads nothing stalls no pong then: after the end
// of standard input the flood read as a plain missing echo.
type pingTally struct{ seen, mark atomic.Int64 }

// begin starts the count of a wait.
func (p *pingTally) begin() { p.mark.Store(p.seen.Load()) }

// note says how many pings came since begin, for the end of a wait that
// timed out, or "" when none came.
func (p *pingTally) note() string {
	n := p.seen.Load() - p.mark.Load()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(": it sent pings meanwhile (%d since the wait began), which do not count", n)
}
