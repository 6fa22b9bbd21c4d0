package tlsrecord

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Record content types (RFC 5246 section 6.2.1).
const (
	TypeAlert           = 21
	TypeHandshake       = 22
	TypeApplicationData = 23
)

// Writer12 writes TLS 1.2 records with
// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 in the client's place (RFC 5246
// section 6.3, RFC 5288).
type Writer12 struct {
	// W is where the sealed records go: the client's socket, or a buffer
	// to send several in one write.
	W    io.Writer
	aead cipher.AEAD
	salt []byte
	seq  uint64
}

// New12 takes the master secret from an NSS key log and the server's
// random from the start of what the server sent (its ServerHello).
func New12(w io.Writer, keyLog string, fromServer []byte) (*Writer12, error) {
	if len(fromServer) < 43 || fromServer[0] != TypeHandshake || fromServer[5] != 2 {
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
		return &Writer12{W: w, aead: aead, salt: kb[32:36], seq: 1}, nil
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

// Record seals content as a record of type typ and writes it.
func (w *Writer12) Record(typ byte, content []byte) error {
	explicit := binary.BigEndian.AppendUint64(nil, w.seq)
	ad := binary.BigEndian.AppendUint64(nil, w.seq)
	ad = append(ad, typ, 3, 3)
	ad = binary.BigEndian.AppendUint16(ad, uint16(len(content)))
	w.seq++
	rec := []byte{typ, 3, 3, 0, 0}
	binary.BigEndian.PutUint16(rec[3:], uint16(len(explicit)+len(content)+w.aead.Overhead()))
	rec = append(rec, explicit...)
	rec = w.aead.Seal(rec, append(bytes.Clone(w.salt), explicit...), content, ad)
	_, err := w.W.Write(rec)
	return err
}
