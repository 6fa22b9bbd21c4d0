package main

import (
	"errors"
	"io"
	"net"
	"time"

	"github.com/gorilla/websocket"
)

// socketer is a connection of the client's that can give the TCP socket
// under its TLS.
type socketer interface{ socket() net.Conn }

func (c *clientConn) socket() net.Conn { return c.sock.Conn }
func (a *alertConn) socket() net.Conn  { return a.sock.Conn }

// bareEnd tells an end the server sent without a reason: close_notify or
// a FIN on tls://, a FIN with no close frame on wss:// (gorilla's 1006).
func bareEnd(err error) bool {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code == websocket.CloseAbnormalClosure
	}
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// watchFIN reads the TCP socket under conn's TLS, which has met the
// server's bare end and reads no more, for the server's FIN: fin is
// closed when it comes. A reset or bytes after the end do not close it.
// stop ends the read and returns once it has ended; the socket's read
// deadline is then past, which nothing minds: TLS and gorilla keep the
// end they met and read the socket no more. A conn without a socket
// gives a fin that never closes.
func watchFIN(conn net.Conn) (fin <-chan struct{}, stop func()) {
	s, ok := conn.(socketer)
	if !ok {
		return nil, func() {}
	}
	sock := s.socket()
	seen, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		var b [512]byte
		for {
			_, err := sock.Read(b[:])
			if errors.Is(err, io.EOF) {
				close(seen)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return seen, func() {
		sock.SetReadDeadline(time.Now())
		<-ended
	}
}
