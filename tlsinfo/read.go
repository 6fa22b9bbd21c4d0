package tlsinfo

import (
	"fmt"
	"io"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// MaxHelloBytes bounds what [ReadClientHello] reads, and so what a
// connection holds while its client is in the middle of a hello: the
// records that carry one ClientHello, headers included. Real hellos are
// 200 bytes to about 2 KiB (a post-quantum key share adds 1.2 KiB) in one
// record or two. The bound is the longest message crypto/tls takes
// (maxHelloMessage, 64 KiB and 4 bytes) in records of 16 KiB, with about
// 8 KiB to spare for thin ones: a hello of 12 KiB fits even at a byte a
// record, 6 bytes on the wire each. A hello spread thinner than that is
// not described ([ErrHelloTooThin]), though crypto/tls, given the same
// bytes, may still take it. The bound is kept this tight because it is
// what a client that sends a byte a record and goes quiet makes the
// server hold until the handshake timeout: at 128 KiB, 10,000 such
// clients took 1.5 GB.
const MaxHelloBytes = 72 << 10

// ErrHelloTooThin is the error of [ReadClientHello] for a hello whose
// records run past [MaxHelloBytes] before it ends: one cut into records
// of a few bytes each. The bytes may still be a hello crypto/tls takes.
var ErrHelloTooThin = fmt.Errorf("tlsinfo: ClientHello spread over more than %d bytes of records", MaxHelloBytes)

// maxHelloMessage is the longest ClientHello, its 4-byte header included:
// crypto/tls refuses a handshake message whose body is over 64 KiB.
const maxHelloMessage = 4 + 64<<10

// maxWarnings is how many warning alerts in a row crypto/tls passes over
// before the ClientHello (its maxUselessRecords); the read does the same.
const maxWarnings = 16

// maxPlaintext is the largest record payload a peer may send before
// encryption (RFC 8446 section 5.1).
const maxPlaintext = 1 << 14

const (
	recordHeaderLen     = 5
	recordTypeAlert     = 21
	recordTypeHandshake = 22
)

// ReadClientHello reads from r until it holds the records that carry the
// first handshake message, reassembling a message split across records
// and records split across reads, and parses it as a ClientHello. It
// reads at most [MaxHelloBytes], and refuses a hello whose records run
// past it with [ErrHelloTooThin].
//
// raw is every byte read, also on error, and may run past the hello: the
// caller puts it back in front of what crypto/tls reads, which then sees the
// connection as it came and fails or succeeds as it would have without
// the look. A first byte that cannot start a TLS handshake record ends the
// read at once, so plain text on a TLS port is not waited on.
//
// r should carry a deadline: a client that stops sending blocks the read.
func ReadClientHello(r io.Reader) (raw []byte, hello *ClientHello, err error) {
	buf := make([]byte, 0, 2048) // most hellos fit; it grows up to MaxHelloBytes
	var a assembler
	for {
		msg, err := a.feed(buf)
		if err != nil {
			return buf, nil, err
		}
		if msg != nil {
			hello, err := a.parse(msg)
			return buf, hello, err
		}
		if len(buf) >= MaxHelloBytes {
			return buf, nil, ErrHelloTooThin
		}
		if len(buf) == cap(buf) {
			// It doubles up to 16 KiB, which holds any real hello; past
			// that the hello is a long one or a thin one, and the buffer
			// goes straight to the bound: a client stalled in a thin hello
			// then leaves 30 KiB of smaller buffers to collect, not 126
			// (the 32 and 64 KiB ones too). make, not append, which could
			// round the capacity past the bound.
			next := 2 * cap(buf)
			if next > maxPlaintext {
				next = MaxHelloBytes
			}
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		n, rerr := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if rerr != nil {
			// What the last bytes say counts before the read error.
			msg, err := a.feed(buf)
			switch {
			case err != nil:
				return buf, nil, err
			case msg != nil:
				hello, err := a.parse(msg)
				return buf, hello, err
			}
			return buf, nil, fmt.Errorf("tlsinfo: reading the ClientHello: %w", unexpected(rerr))
		}
	}
}

// assembler joins the payloads of handshake records into the first
// handshake message. It looks at each record once as it comes, however
// the records are cut into reads, so a client sending a byte at a time
// costs no more than one sending it all at once, and copies the payloads
// into one message only once all of it is there: a client that stops in
// the middle of a hello of many records holds the bytes read, not those
// and a second copy of them (a 60 KiB hello stalled before its last
// record cost some 190 KB a connection).
type assembler struct {
	pos      int     // start of the first record not yet taken
	first    int     // start of the first handshake record taken
	got      int     // the payload bytes taken so far
	head     [4]byte // the message's first bytes: its type and length
	warnings int     // warning alerts passed over since the last payload
	sslv2    bool    // the message is an SSLv2-compatible hello
}

// parse parses the message feed returned, in the format it came in.
func (a *assembler) parse(msg []byte) (*ClientHello, error) {
	if a.sslv2 {
		return parseSSLv2(msg)
	}
	return Parse(msg)
}

// feed takes the complete records in b[a.pos:] and returns the message
// once all of it is there. err tells bytes that can never become a
// ClientHello, found as early as the first byte.
func (a *assembler) feed(b []byte) (msg []byte, err error) {
	if a.pos == 0 && len(b) > 0 && b[0]&0x80 != 0 {
		return a.feedSSLv2(b)
	}
	for a.pos < len(b) {
		rec := b[a.pos:]
		if rec[0] != recordTypeHandshake && rec[0] != recordTypeAlert {
			return nil, fmt.Errorf("%w: record type 0x%02x is not a handshake", ErrNotClientHello, rec[0])
		}
		// As crypto/tls, which takes any record version below 0x1000
		// until it has chosen one.
		if len(rec) > 1 && rec[1] >= 0x10 {
			return nil, fmt.Errorf("%w: record version 0x%02xnn", ErrNotClientHello, rec[1])
		}
		if len(rec) < recordHeaderLen {
			return nil, nil
		}
		size := int(rec[3])<<8 | int(rec[4])
		if rec[0] == recordTypeAlert {
			// crypto/tls passes over a warning alert (other than
			// close_notify) before the hello, up to maxWarnings in a row.
			if size != 2 {
				return nil, fmt.Errorf("%w: alert record of %s", ErrNotClientHello, plural.Count(size, "byte", "bytes"))
			}
			if len(rec) < recordHeaderLen+2 {
				return nil, nil
			}
			if level, desc := rec[5], rec[6]; level != 1 || desc == 0 || a.warnings == maxWarnings {
				return nil, fmt.Errorf("%w: alert %d of level %d", ErrNotClientHello, desc, level)
			}
			a.warnings++
			a.pos += recordHeaderLen + 2
			continue
		}
		if size == 0 || size > maxPlaintext {
			return nil, fmt.Errorf("%w: handshake record of %s", ErrNotClientHello, plural.Count(size, "byte", "bytes"))
		}
		if len(rec) < recordHeaderLen+size {
			return nil, nil
		}
		if a.got == 0 {
			a.first = a.pos
		}
		payload := rec[recordHeaderLen : recordHeaderLen+size]
		copy(a.head[min(a.got, 4):], payload)
		a.got += size
		a.pos += recordHeaderLen + size
		a.warnings = 0
		if a.got < 4 {
			continue
		}
		if a.head[0] != typeClientHello {
			return nil, fmt.Errorf("%w: handshake message type %d", ErrNotClientHello, a.head[0])
		}
		want := 4 + (int(a.head[1])<<16 | int(a.head[2])<<8 | int(a.head[3]))
		switch {
		case want > maxHelloMessage:
			return nil, fmt.Errorf("tlsinfo: ClientHello of %d bytes is larger than %d", want, maxHelloMessage)
		case a.got >= want:
			// Bytes behind the hello in its record are not the client's
			// to send before the server answers, but crypto/tls reads the
			// hello and answers it before it finds them and fails: the
			// hello is what the client offered all the same.
			return a.message(b, want), nil
		}
	}
	return nil, nil
}

// message is the first want bytes of the payloads taken from b, all
// there. A message whole in its first record, as most hellos come, is
// returned where it lies, with no copy (Parse keeps none of its bytes).
func (a *assembler) message(b []byte, want int) []byte {
	if rec := b[a.first:]; recordSize(rec) >= want {
		return rec[recordHeaderLen : recordHeaderLen+want]
	}
	msg := make([]byte, 0, want)
	for at := a.first; len(msg) < want; {
		rec := b[at:]
		size := recordSize(rec)
		if rec[0] == recordTypeHandshake {
			msg = append(msg, rec[recordHeaderLen:recordHeaderLen+min(size, want-len(msg))]...)
		}
		at += recordHeaderLen + size
	}
	return msg
}

// unexpected turns a clean end of stream in the middle of a hello into
// io.ErrUnexpectedEOF, which says what happened.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
