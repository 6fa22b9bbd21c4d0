package main

import (
	"crypto/tls"
	"errors"
	"net"
	"sync/atomic"
	"time"
)

// alertWait bounds the read for the server's reason after a write failed.
// A server that sent an alert and reset has its alert in this end's
// receive buffer already (a reset drops what is still to be sent, not what
// has arrived), so the read returns at once; the bound only matters for a
// server that keeps the connection open after the write failed.
const alertWait = time.Second

// alertConn is a connection whose failed writes look for the server's
// reason. In TLS 1.3 a server judges the client's certificate after the
// client's handshake has ended on its side: the client's first write then
// meets the reset that followed the server's alert, and the write's error
// says only "connection reset". The alert is still there to read, and it
// is what a user needs (certificate required, unknown CA, expired).
type alertConn struct {
	net.Conn           // writes go here
	tc       *tls.Conn // the TLS connection under Conn, read for the alert
	wait     time.Duration
	// reading is set once a goroutine of its own reads the connection:
	// that reader meets the alert itself, and a read here would take
	// bytes it should print.
	reading atomic.Bool
	// sock is the socket under tc, where writes are cut (see cutSend).
	sock *brokenWriteConn
}

// cutWrites makes t the latest write deadline (see
// brokenWriteConn.cutWrites).
func (a *alertConn) cutWrites(t time.Time) { a.sock.cutWrites(t) }

// Write writes to the connection; when that fails other than by its
// deadline, the error is the server's alert if one can be read.
func (a *alertConn) Write(p []byte) (int, error) {
	n, err := a.Conn.Write(p)
	if err != nil && !isTimeout(err) && !a.reading.Load() {
		if alert := readAlert(a.tc, a.wait); alert != nil {
			err = alert
		}
	}
	return n, err
}

// readAlert reads, for at most wait, what the server sent before the
// connection broke, and returns the TLS alert that ended it, or nil. What
// comes before the alert is dropped (at most maxAlertRead bytes): the
// connection is failing anyway. Only for connections without a reader of
// their own (see alertConn.reading).
func readAlert(tc *tls.Conn, wait time.Duration) error {
	tc.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 16<<10)
	for read := 0; read < maxAlertRead; {
		n, err := tc.Read(buf)
		read += n
		if err != nil {
			if isRemoteAlert(err) {
				return err
			}
			return nil
		}
	}
	return nil
}

// maxAlertRead bounds what readAlert drops while looking for an alert.
const maxAlertRead = 1 << 20

// isRemoteAlert tells whether err is a TLS alert from the peer: crypto/tls
// reports those as a *net.OpError whose Op is "remote error".
func isRemoteAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error"
}

// withAlert is c's connection for writing: failed writes report the
// server's alert when there is one (see alertConn).
func (c *client) withAlert(nc net.Conn, cc *clientConn) *alertConn {
	return &alertConn{Conn: nc, tc: cc.Conn, sock: cc.sock, wait: min(alertWait, c.o.timeout)}
}
