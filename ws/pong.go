package ws

import (
	"errors"
	"time"

	"github.com/gorilla/websocket"
)

// pong answers a ping with its payload (RFC 6455 section 5.5.3), under
// the server's own write bound, writeWait, wherever the ping is read:
// gorilla's reader (the ping handler newConn sets) and a wait that takes
// control frames itself (takeControl).
//
// gorilla's default ping handler gives the pong one second. A client
// that sends pings while it reads nothing for a little longer (a stall
// of its own, a full receive window) had its pong cut by that second,
// and gorilla keeps a failed write's error for every later one: the
// connection could send nothing more and was dropped without a close
// frame, though the same client stalling behind its echoes is waited
// for. Here a pong waits as long as any control frame may.
//
// It returns the write's error, but none once the server's close has
// gone out (no pong may follow it; gorilla's handler says nothing then
// either). A pong the client took none of within writeWait fails the
// reader, and the connection ends: nothing can be sent on it any more.
// So a client that floods pings and never reads holds the reader, and
// its connection, for writeWait at most, and costs nothing meanwhile:
// the reader reads no further ping while a pong waits to go out, and
// TCP holds the client's sending back.
func (c *Conn) pong(payload []byte) error {
	err := c.ws.WriteControl(websocket.PongMessage, payload, time.Now().Add(writeWait))
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}
