package main

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/tlsrecord"
)

// TestHTTPSHandshakeRecordWords: a page connection whose TLS 1.2 client
// sends a handshake message after the handshake that is not a ClientHello
// is not logged as one asking to renegotiate with a ClientHello. The
// HTTPS port sees only a sealed handshake record go by, and said every
// such record was a renegotiation's ClientHello, answered with an
// unexpected_message alert, also where crypto/tls answered a client's
// HelloRequest with the no_renegotiation warning.
func TestHTTPSHandshakeRecordWords(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"LOG_FORMAT": "json"})
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"HelloRequest", []byte{0, 0, 0, 0}, pageRenegotiationWords},
		{"empty record", nil, pageRenegotiationWords},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var keys bytes.Buffer
			tcp, err := net.DialTimeout("tcp", ta.HTTPSAddr, ioWait)
			if err != nil {
				t.Fatal(err)
			}
			defer tcp.Close()
			tap := &tlsrecord.Tap{Conn: tcp}
			c := tls.Client(tap, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12, KeyLogWriter: &keys,
				CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, NextProtos: []string{"http/1.1"}})
			c.SetDeadline(time.Now().Add(ioWait))
			if err := c.Handshake(); err != nil {
				t.Fatal(err)
			}
			w, err := tlsrecord.New12(tcp, keys.String(), tap.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			// A page request first, so that net/http serves the
			// connection and waits for the next.
			w.Record(tlsrecord.TypeApplicationData, []byte("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n"))
			br := bufio.NewReader(c)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			w.Record(tlsrecord.TypeHandshake, tc.content)
			// The end of input after it: crypto/tls answers a HelloRequest
			// with a warning alert and an error from the read that took
			// the record. When that read was net/http's own, made in the
			// background while it finished the response (to see a client
			// go away), net/http ends nothing and waits for the next
			// request, as it does after any error there: the connection
			// ends with the client's end, or at the idle timeout. Either
			// way its end is the one logged.
			tcp.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, br)

			peer := tcp.LocalAddr().String()
			deadline := time.Now().Add(ioWait)
			for {
				for _, r := range ta.Log.Records(t, "connection ended") {
					if r["listener"] != "https" || r["peer"] != peer {
						continue
					}
					if got, _ := r["err"].(string); got != tc.want {
						t.Errorf("the connection's end is logged as %q; want %q", got, tc.want)
					}
					return
				}
				if time.Now().After(deadline) {
					t.Fatalf("no connection ended record for %s within %v:\n%s", peer, ioWait, ta.Log.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	if strings.Contains(ta.Log.String(), "ClientHello") {
		t.Errorf("a handshake message other than a ClientHello is logged as one:\n%s", ta.Log.String())
	}
}
