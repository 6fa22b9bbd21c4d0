package listener

import (
	"net"
	"time"
)

// LingerWait is how long [LingerClose] is given, as a rule, for the client
// to close too: the half second net/http waits.
const LingerWait = 500 * time.Millisecond

// LingerClose closes nc the way net/http ends a connection: a TCP
// half-close, then reading and discarding what the client still sends
// until it closes too or nc's read deadline passes (the caller sets it,
// LingerWait away as a rule), then the close. Closing at once would leave
// bytes that arrive meanwhile unread, and the kernel resets a socket
// closed with unread input: the reset discards what the client has not
// read yet, the server's last words (an echo, a close_notify, an alert)
// included.
func LingerClose(nc net.Conn) {
	defer nc.Close()
	if cw, ok := nc.(interface{ CloseWrite() error }); !ok || cw.CloseWrite() != nil {
		return
	}
	buf := make([]byte, 512)
	for {
		if _, err := nc.Read(buf); err != nil {
			return
		}
	}
}
