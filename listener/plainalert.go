package listener

import (
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// badRecordMAC ends crypto/tls's error for a record it cannot decrypt;
// it has no error value to match.
const badRecordMAC = "bad record MAC"

// alertRecordLen is the length of an unencrypted alert record: the 5-byte
// header and the alert's level and description.
const alertRecordLen = 5 + 2

// plainAlert says what happened when a TLS 1.3 client refused the
// handshake with an alert it sent unencrypted: tail is the last bytes the
// client sent. Once the ServerHello is out, TLS 1.3 encrypts every record
// but ChangeCipherSpec (RFC 8446 section 5); yet a client that refuses the
// server's certificate before it has switched its own records to the
// handshake keys sends its alert in the clear (OpenSSL's clients do:
// curl, openssl s_client, with the certificate untrusted). crypto/tls
// tries to decrypt it and reports "local error: bad record MAC", which
// reads as corruption on the server's side, and the most common failure
// against a self-signed certificate deserves better words. Other errors
// are returned as they are.
func plainAlert(err error, tail []byte) error {
	if err == nil || !strings.HasSuffix(err.Error(), badRecordMAC) || len(tail) < alertRecordLen {
		return err
	}
	r := tail[len(tail)-alertRecordLen:]
	if r[0] != recordTypeAlert || r[1] != 3 || r[3] != 0 || r[4] != 2 {
		return err
	}
	what := strings.TrimPrefix(tls.AlertError(r[6]).Error(), "tls: ")
	return tlsinfo.Reword(err, fmt.Sprintf("client refused the handshake with an alert, %s (%d), sent unencrypted after the ServerHello, "+
		"where TLS 1.3 encrypts it; crypto/tls cannot read it and says %q. A client does so when it does not trust "+
		"the server's certificate (curl and openssl s_client without the CA)", what, r[6], err.Error()))
}

// tailLen is how many of the last bytes read in the handshake stages a
// Conn keeps: an unencrypted alert record (plainAlert).
const tailLen = alertRecordLen

// keepTail keeps the last tailLen bytes of what the client has sent.
func (st *stageState) keepTail(p []byte) {
	if len(p) >= tailLen {
		copy(st.tail[:], p[len(p)-tailLen:])
		st.tailN = tailLen
		return
	}
	keep := min(int(st.tailN), tailLen-len(p))
	copy(st.tail[:], st.tail[int(st.tailN)-keep:st.tailN])
	copy(st.tail[keep:], p)
	st.tailN = uint8(keep + len(p))
}
