package tlsinfo

import (
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// SSL 2.0's message type of a CLIENT-HELLO, the only one an
// SSLv2-compatible hello carries.
const sslv2ClientHello = 1

// feedSSLv2 takes an SSLv2-compatible ClientHello (RFC 5246 appendix
// E.2): the 2-byte record header of SSL 2.0, its high bit set and the
// length in the other 15, then the message. SSL 3.0 and TLS clients of
// the 1990s and 2000s sent their first hello so, to reach SSL 2.0
// servers too. crypto/tls refuses it, but it is what the client offered.
//
// crypto/tls fails on the first 5 bytes of any record whose first byte
// has the high bit set, so bytes that cannot be such a hello end the read
// by then too: noise is not waited on for the length it seems to give.
func (a *assembler) feedSSLv2(b []byte) (msg []byte, err error) {
	if len(b) < 5 {
		return nil, nil
	}
	size := int(b[0]&0x7f)<<8 | int(b[1])
	switch {
	case b[2] != sslv2ClientHello:
		return nil, fmt.Errorf("%w: SSL 2.0 message type %d", ErrNotClientHello, b[2])
	case b[3] != 0x00 && b[3] != 0x03: // SSL 2.0 is 0x0002, SSL 3.0 and TLS 0x03nn
		return nil, fmt.Errorf("%w: SSL 2.0 hello of version 0x%02x%02x", ErrNotClientHello, b[3], b[4])
	case size < 9: // the header of the message
		return nil, fmt.Errorf("%w: SSL 2.0 hello of %s", ErrNotClientHello, plural.Count(size, "byte", "bytes"))
	}
	if len(b) < 2+size {
		return nil, nil
	}
	a.sslv2 = true
	a.pos = 2 + size
	return b[2 : 2+size], nil
}

// parseSSLv2 decodes the message of an SSLv2-compatible ClientHello,
// from its message type on. Its cipher specs are 3 bytes each: those
// TLS has are the TLS suite behind a zero byte and go to CipherSuites;
// the others are SSL 2.0's own kinds, which TLS has no number for, and
// are only counted. It has no compression methods and no extensions.
func parseSSLv2(msg []byte) (*ClientHello, error) {
	s := cryptobyte.String(msg)
	var typ uint8
	var version, specsLen, sessionIDLen, challengeLen uint16
	if !s.ReadUint8(&typ) || !s.ReadUint16(&version) || !s.ReadUint16(&specsLen) ||
		!s.ReadUint16(&sessionIDLen) || !s.ReadUint16(&challengeLen) {
		return nil, errors.New("tlsinfo: SSLv2-compatible ClientHello: truncated header")
	}
	var specs cryptobyte.String
	if specsLen%3 != 0 || !s.ReadBytes((*[]byte)(&specs), int(specsLen)) {
		return nil, errors.New("tlsinfo: SSLv2-compatible ClientHello: malformed cipher specs")
	}
	if !s.Skip(int(sessionIDLen)) || !s.Skip(int(challengeLen)) || !s.Empty() {
		return nil, errors.New("tlsinfo: SSLv2-compatible ClientHello: lengths do not add up to the message")
	}
	h := &ClientHello{LegacyVersion: version, SSLv2: true}
	for !specs.Empty() {
		var kind uint8
		var suite uint16
		specs.ReadUint8(&kind)
		specs.ReadUint16(&suite)
		if kind != 0 {
			h.sslv2Only++
			continue
		}
		h.CipherSuites = append(h.CipherSuites, suite)
	}
	return h, nil
}
