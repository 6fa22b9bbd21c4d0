//go:build linux

package rawtls_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/tlsecho/tlsecho/certs"
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
			w, err := newTLS12Writer(c.tcp, keys.String(), c.wire.buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			sock := <-server
			for i, records := range tc.segments {
				var seg bytes.Buffer
				w.conn = &seg
				for _, r := range records {
					w.record(r.typ, []byte(r.content))
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

// tls12Writer writes TLS 1.2 records with
// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 in the client's place (RFC 5246
// section 6.3, RFC 5288), for a connection whose client has sent nothing
// after its Finished.
type tls12Writer struct {
	conn io.Writer
	aead cipher.AEAD
	salt []byte
	seq  uint64
}

// newTLS12Writer takes the master secret from an NSS key log and the
// server's random from the start of what the server sent (its
// ServerHello).
func newTLS12Writer(conn io.Writer, keyLog string, fromServer []byte) (*tls12Writer, error) {
	if len(fromServer) < 43 || fromServer[0] != 22 || fromServer[5] != 2 {
		return nil, fmt.Errorf("no ServerHello at the start of the server's bytes")
	}
	serverRandom := fromServer[11:43]
	for _, line := range strings.Split(keyLog, "\n") {
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != "CLIENT_RANDOM" {
			continue
		}
		clientRandom, err := hex.DecodeString(f[1])
		if err != nil {
			return nil, err
		}
		master, err := hex.DecodeString(f[2])
		if err != nil {
			return nil, err
		}
		seed := append(append([]byte("key expansion"), serverRandom...), clientRandom...)
		kb := prf12(master, seed, 40)
		block, err := aes.NewCipher(kb[:16])
		if err != nil {
			return nil, err
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
		// The client's Finished went with sequence number 0.
		return &tls12Writer{conn: conn, aead: aead, salt: kb[32:36], seq: 1}, nil
	}
	return nil, fmt.Errorf("no CLIENT_RANDOM in the key log:\n%s", keyLog)
}

// prf12 is TLS 1.2's PRF with SHA-256 (RFC 5246 section 5), seed holding
// the label.
func prf12(secret, seed []byte, n int) []byte {
	var out []byte
	a := seed
	for len(out) < n {
		h := hmac.New(sha256.New, secret)
		h.Write(a)
		a = h.Sum(nil)
		h = hmac.New(sha256.New, secret)
		h.Write(a)
		h.Write(seed)
		out = h.Sum(out)
	}
	return out[:n]
}

// record seals content as a record of type typ and writes it.
func (w *tls12Writer) record(typ byte, content []byte) error {
	explicit := binary.BigEndian.AppendUint64(nil, w.seq)
	ad := binary.BigEndian.AppendUint64(nil, w.seq)
	ad = append(ad, typ, 3, 3)
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(content)))
	w.seq++
	rec := []byte{typ, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(rec[3:], uint16(len(explicit)+len(content)+w.aead.Overhead()))
	rec = append(rec, explicit...)
	rec = w.aead.Seal(rec, append(bytes.Clone(w.salt), explicit...), content, ad)
	_, err := w.conn.Write(rec)
	return err
}
