//go:build linux

package rawtls_test

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/certs"
	"github.com/tlsecho/tlsecho/internal/tlsrecord"
	"github.com/tlsecho/tlsecho/listener"
	"github.com/tlsecho/tlsecho/rawtls"
)

// TestWarningAlertBetweenRecords: a TLS 1.2 client that sends a record of
// data with a warning alert behind it (user_canceled, which crypto/tls
// drops), maybe records with no data after it, and its next record
// later, has both echoed. crypto/tls, having returned the first record's
// data, reads the alert ahead in the same Read, drops it and reads on,
// through the empty records and from the socket, until the next record
// is in, which it keeps; the record watch took the read's data for that
// record's, counted it consumed, and the echo waited on the socket with
// the second record's data already read: its echo never came while the
// client sent nothing more.
func TestWarningAlertBetweenRecords(t *testing.T) {
	t.Parallel()
	type record struct {
		typ     byte
		content string
	}
	data := func(s string) record { return record{recordApplicationData, s} }
	alert := record{recordAlert, "\x01\x5a"} // warning, user_canceled
	for _, tc := range []struct {
		name     string
		segments [][]record // each sent once the server has read the one before
	}{
		{"alert", [][]record{{data("one"), alert}, {data("two")}}},
		{"alert, empty record", [][]record{{data("one"), alert, data("")}, {data("two")}}},
		{"alert, empty record apart", [][]record{{data("one"), alert}, {data("")}, {data("two")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			server := make(chan *net.TCPConn, 1)
			ts := startServer(t, &rawtls.Server{IdleTimeout: time.Minute, Hooks: &rawtls.Hooks{
				Opened: func(c *rawtls.Conn) {
					if tc, ok := c.NetConn().(*listener.Conn).NetConn().(*net.TCPConn); ok {
						server <- tc
					}
				},
			}}, certs.Options{})
			var keys bytes.Buffer
			cfg := ts.clientConfig()
			cfg.MaxVersion, cfg.KeyLogWriter = tls.VersionTLS12, &keys
			cfg.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
			c := ts.mustDial(t, cfg)
			w, err := tlsrecord.New12(c.tcp, keys.String(), c.wire.buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			sock := <-server
			for i, records := range tc.segments {
				var seg bytes.Buffer
				w.W = &seg
				for _, r := range records {
					w.Record(r.typ, []byte(r.content))
				}
				if _, err := c.tcp.Write(seg.Bytes()); err != nil {
					t.Fatal(err)
				}
				if i == len(tc.segments)-1 {
					break
				}
				// Taken from the server's socket before the next segment
				// is sent, so that it comes in a read of its own.
				waitFor(t, ioTimeout, "the client's segment to be acknowledged", func() bool { return queued(t, c.tcp, unix.SIOCOUTQ) == 0 })
				waitFor(t, ioTimeout, "the server to read the segment", func() bool { return queued(t, sock, unix.SIOCINQ) == 0 })
			}
			c.SetReadDeadline(time.Now().Add(ioTimeout))
			got := make([]byte, len("onetwo"))
			n, err := io.ReadFull(c, got)
			if err != nil {
				t.Fatalf("echoed %q, then %v; want %q", got[:n], err, "onetwo")
			}
			if string(got) != "onetwo" {
				t.Fatalf("echoed %q, want %q", got, "onetwo")
			}
		})
	}
}

// queued is the bytes in socket s's receive (SIOCINQ) or send (SIOCOUTQ)
// queue.
func queued(t *testing.T, s *net.TCPConn, req uint) int {
	t.Helper()
	rc, err := s.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var qerr error
	if err := rc.Control(func(fd uintptr) { n, qerr = unix.IoctlGetInt(int(fd), req) }); err != nil || qerr != nil {
		t.Fatalf("ioctl: %v %v", err, qerr)
	}
	return n
}
