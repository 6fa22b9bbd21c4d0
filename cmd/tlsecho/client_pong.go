package main

import (
	"errors"
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
func answerPings(ws *websocket.Conn) {
	ws.SetPingHandler(func(data string) error {
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
