package fault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// alerts are the fatal alerts alert:NAME may send, with their
// descriptions from RFC 8446 section 6 (the names are the RFC's).
var alerts = []struct {
	name string
	code uint8
}{
	{"handshake_failure", 40},
	{"protocol_version", 70},
	{"bad_certificate", 42},
	{"unrecognized_name", 112},
	{"internal_error", 80},
	{"access_denied", 49},
	{"insufficient_security", 71},
}

// AlertNames lists the names alert:NAME accepts.
func AlertNames() []string {
	names := make([]string, len(alerts))
	for i, a := range alerts {
		names[i] = a.name
	}
	return names
}

func alertByName(name string) (uint8, bool) {
	for _, a := range alerts {
		if a.name == name {
			return a.code, true
		}
	}
	return 0, false
}

func alertName(code uint8) string {
	for _, a := range alerts {
		if a.code == code {
			return a.name
		}
	}
	return strconv.Itoa(int(code))
}

// ErrAlertSent is the error of a handshake ended by alert:NAME: the
// connection is to be closed, and counts as a failed handshake.
var ErrAlertSent = errors.New("fault: handshake answered with an alert")

// ErrNotTLS is the error of [SendAlert] given input that is not a TLS
// record (plain HTTP, an SSLv2-compatible hello): it sends no alert.
var ErrNotTLS = errors.New("not a TLS record")

// TLS record layer constants (RFC 8446 section 5.1).
const (
	recordHeaderLen     = 5
	recordTypeAlert     = 21
	recordTypeHandshake = 22
	recordMaxPayload    = 16<<10 + 256 // TLSCiphertext may exceed the plaintext limit by 256
	alertLevelFatal     = 2
)

// HandshakeDelay runs hsdelay, the first of the verbs that act before
// the TLS handshake, on a connection just accepted: it waits the delay,
// or until ctx ends, and then returns an error whose reason is ctx's
// cause (the caller cancels it when the client goes away, so as not to
// hold its slot). It reads and writes nothing, so that a caller may
// watch the socket meanwhile and must have stopped watching before
// [Injector.HandshakeAlert] reads it. A nil spec, or one without
// hsdelay, returns nil at once.
func (in *Injector) HandshakeDelay(ctx context.Context, spec *Spec, ci ConnInfo) error {
	v, ok := spec.Get(HSDelay)
	if !ok {
		return nil
	}
	in.applied(ci, spec, v)
	t := time.NewTimer(v.Dur)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("fault: hsdelay:%v cut short, the ClientHello not answered: %w", v.Dur, context.Cause(ctx))
	}
}

// HandshakeAlert runs alert, after [Injector.HandshakeDelay]: it reads
// the ClientHello, answers it with the alert, and returns an error
// wrapping ErrAlertSent (close the connection; the handshake failed). The
// reads and writes are bounded by c's deadline, which the caller sets to
// the handshake deadline. A nil spec, or one without alert, returns nil
// at once.
func (in *Injector) HandshakeAlert(c net.Conn, spec *Spec, ci ConnInfo) error {
	v, ok := spec.Get(Alert)
	if !ok {
		return nil
	}
	in.applied(ci, spec, v)
	if err := SendAlert(c, uint8(v.Code)); err != nil {
		return fmt.Errorf("fault: alert %s: %w", alertName(uint8(v.Code)), err)
	}
	return fmt.Errorf("%w: %s", ErrAlertSent, alertName(uint8(v.Code)))
}

// SendAlert answers the client's first TLS record (its ClientHello) with a
// fatal alert record of description code, instead of a ServerHello, and
// ends the connection's sending side. The hello is read first and the
// client's close awaited (up to c's read deadline, at most a second), so
// that closing with unread bytes does not reset the connection before the
// client has read the alert. The caller closes c. Input that is not a
// TLS record is an error at once, with no alert sent: a caller leaves it
// to crypto/tls, which refuses it in its own words (listener does).
func SendAlert(c net.Conn, code uint8) error {
	var hdr [recordHeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return fmt.Errorf("read the ClientHello: %w", err)
	}
	// Bytes 3 and 4 of anything else are no length: those of "GET /"
	// would have the read wait for 12 KiB until the handshake deadline.
	if hdr[0] != recordTypeHandshake && hdr[0] != recordTypeAlert {
		return fmt.Errorf("read the ClientHello: %w: the first bytes are %q", ErrNotTLS, hdr[:])
	}
	n := int64(hdr[3])<<8 | int64(hdr[4])
	if _, err := io.CopyN(io.Discard, c, min(n, recordMaxPayload)); err != nil {
		return fmt.Errorf("read the ClientHello: %w", err)
	}
	// The record version is TLS 1.2's, which every client accepts before
	// a version is agreed (RFC 8446 section 5.1, legacy_record_version).
	rec := []byte{recordTypeAlert, 3, 3, 0, 2, alertLevelFatal, code}
	if _, err := c.Write(rec); err != nil {
		return fmt.Errorf("write the alert: %w", err)
	}
	if s := Socket(c); s != nil {
		s.CloseWrite()
	}
	drain(c, time.Second)
	return nil
}

// drain reads and discards, at most 1 MiB, until the peer closes, an
// error, or d passes (it sets c's read deadline): closing a socket with
// unread bytes sends a reset, which can reach the client before what was
// sent last.
func drain(c net.Conn, d time.Duration) {
	c.SetReadDeadline(time.Now().Add(d))
	io.CopyN(io.Discard, c, 1<<20)
}
