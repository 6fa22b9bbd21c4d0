package main

import (
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/certs"
)

// teeConn keeps every byte read from the connection, for a server that
// looks at the client's records after crypto/tls has read some of them.
type teeConn struct {
	net.Conn
	got []byte
}

func (c *teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.got = append(c.got, p[:n]...)
	return n, err
}

// encryptedRecords counts the complete application_data records (type
// 23) in raw, and gives the length of the first.
func encryptedRecords(raw []byte) (n, firstLen int) {
	for len(raw) >= 5 {
		size := int(binary.BigEndian.Uint16(raw[3:5]))
		if len(raw) < 5+size {
			break
		}
		if raw[0] == 23 {
			if n == 0 {
				firstLen = size
			}
			n++
		}
		raw = raw[5+size:]
	}
	return n, firstLen
}

// upgradeRequestArrived tells whether raw, all the client sent, holds the
// record after its TLS 1.3 handshake: the upgrade request. Encrypted, the
// client's flight is its Certificate record (25 bytes when empty: no
// certificate), a CertificateVerify record when it sent one, and its
// Finished record; crypto/tls writes each in a record of its own.
func upgradeRequestArrived(raw []byte) bool {
	n, first := encryptedRecords(raw)
	handshake := 3
	if first <= 25 {
		handshake = 2
	}
	return n > handshake
}

// alertingMTLSServer is a TLS 1.3 listener that requires client
// certificates from caFile and refuses the client's after the client's
// handshake has ended on its side, as any TLS 1.3 server does. Each
// refused connection waits until the client's upgrade request has
// arrived, so the client's write of it has succeeded, and only then does
// the server act: with reset, it closes at once with a TCP reset, the
// request unread; without, it keeps the connection open until the client
// ends it. The alert crypto/tls sent is the only reason the client gets.
func alertingMTLSServer(t *testing.T, caFile string, reset bool) string {
	t.Helper()
	srv, err := certs.Generate(certs.GenerateOptions{Hosts: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{*srv.Cert},
		MinVersion:   tls.VersionTLS13,
		NextProtos:   []string{"http/1.1"},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    certPool(t, caFile),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	acceptLoop(t, ln, func(c net.Conn) {
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(ioWait))
			tee := &teeConn{Conn: c}
			if err := tls.Server(tee, cfg).Handshake(); err == nil {
				return
			}
			buf := make([]byte, 4096)
			for !upgradeRequestArrived(tee.got) {
				if _, err := tee.Read(buf); err != nil {
					t.Errorf("the client's upgrade request never came: %v", err)
					return
				}
			}
			if reset {
				c.(*net.TCPConn).SetLinger(0)
				return
			}
			io.Copy(io.Discard, c)
		}()
	})
	return ln.Addr().String()
}

// TestClientAlertAfterUpgradeRequest: over wss://, the client's TLS 1.3
// handshake ends before the server judges its certificate, and the
// client's first write, the upgrade request, succeeds. The server's
// refusal then arrives as an alert, alone or followed by a reset, where
// the answer to the upgrade should be; the client names the refusal, not
// a failed upgrade or a reset.
func TestClientAlertAfterUpgradeRequest(t *testing.T) {
	t.Parallel()
	dir, caFile, _, _, _ := mtlsSetup(t)
	for _, reset := range []bool{false, true} {
		addr := alertingMTLSServer(t, caFile, reset)
		for _, cc := range refusedClientCerts(t, dir) {
			name := cc.name + ", alert then held open"
			if reset {
				name = cc.name + ", alert then reset"
			}
			t.Run(name, func(t *testing.T) {
				args := append([]string{"-insecure", "-timeout", "5s"}, cc.args()...)
				u := "wss://" + addr + "/ws"
				runClient(t, "", append(args, u, "hello")...).want(t, exitFailure, nil, []string{"ended the connection: ", cc.want})
				runClient(t, "one\ntwo\n", append(args, u)...).want(t, exitFailure, nil, []string{"ended the connection: ", cc.want})
			})
		}
	}
}
