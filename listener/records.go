package listener

import (
	"crypto/tls"
	"time"
)

// recordWatch follows the TLS record boundaries (RFC 8446 section 5.1) of
// the bytes a TLS listener's Conn hands to crypto/tls, without touching
// them, so that a server can tell when crypto/tls holds no input: then the
// next read through it would wait for the socket, and the server can wait
// for the socket itself instead, holding no buffer (see [Conn.Unread]).
//
// It rests on how crypto/tls reads: it reads from the Conn only while the
// record it is taking is incomplete, so when a read reaches the Conn,
// every record completed before has been consumed. After that, each read
// through crypto/tls that returns less than it was asked for has
// consumed at least one more record (see [Conn.RecordRead]): crypto/tls
// hands out a record's data until the reader's buffer is full, keeping
// the rest for the next read. Empty records and post-handshake messages
// may be consumed unseen, which only makes the count cautious. The reads
// from the Conn that crypto/tls makes within a Read after the data it
// returns, past a warning alert behind that data (TLS 1.2), are allowed
// for (see read).
//
// Only the goroutine reading the Conn (crypto/tls's reader) touches it.
type recordWatch struct {
	on bool
	// tls12 is set once a TLS 1.2 (or older) handshake is done: a
	// handshake record from the client after it asks to renegotiate,
	// which crypto/tls refuses (see renegotiation.go). The Conn keeps
	// what read reports of it: 16 bytes here fit the Conn in its size
	// class, and an atomic flag would take it past.
	tls12 bool
	hn    uint8   // bytes of the current record's 5-byte header seen
	len   [2]byte // its length field
	// over is what the negotiated cipher adds to a record's data (see
	// recordOverhead), 0 while unknown: then only a read that returns
	// less than it asked for shows a record consumed.
	over uint8
	// alerts holds the flags of read's rule for an alert behind a
	// record's data (TLS 1.2 and older; TLS 1.3 hides the type): one
	// byte, so that the Conn keeps its size class.
	alerts uint8
	left   uint16 // payload bytes of the current record still to come
	// complete counts the records completed so far, taken those crypto/tls
	// has certainly consumed; both wrap, so they are compared by their
	// difference.
	complete, taken uint16
	// headLeft is the most data still to be returned of the first record
	// completed after the last read from the socket (its length less
	// over, less what reads through crypto/tls have returned since), 0
	// when unknown. Reads that fill their buffers exactly (gorilla asks
	// for the rest of a frame, and a frame often ends its record)
	// consume the record once they have returned that much.
	headLeft uint16
}

// recordTypeAlert is a TLS record's content type for alerts (RFC 5246
// section 6.2.1).
const recordTypeAlert = 21

// The flags of recordWatch.alerts.
const (
	alertNow  = 1 << iota // the current record is an alert record
	alertSeen             // one completed since the last read from the socket
	// alertHeld: crypto/tls may be reading on past an alert, and the
	// data of the Read in progress, which RecordRead has not heard of
	// yet, may be of a record before the reads since (see read).
	alertHeld
)

// recordOverhead is what the cipher of a connection in state st adds to
// each record's data: the tag, and TLS 1.3's content type (RFC 8446
// section 5.2) or TLS 1.2 AES-GCM's explicit nonce (RFC 5288 section 3).
// 0 for a cipher whose records add a varying amount (CBC's padding).
func recordOverhead(st tls.ConnectionState) uint8 {
	if st.Version >= tls.VersionTLS13 {
		return 16 + 1
	}
	switch st.CipherSuite {
	case tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384:
		return 16 + 8
	case tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:
		return 16
	}
	return 0
}

// Unread is what crypto/tls may hold of the input it has read from a
// Conn: see [Conn.Unread].
type Unread int

const (
	// UnreadNone: nothing; a read through crypto/tls would wait for the
	// socket.
	UnreadNone Unread = iota
	// UnreadPartial: the start of a record whose rest is still to come
	// from the socket, and no complete record.
	UnreadPartial
	// UnreadMaybe: possibly a complete record, which a read through
	// crypto/tls would return without the socket.
	UnreadMaybe
)

// read notes a read from the Conn: everything complete so far has been
// consumed, and p is the next part of the stream. It reports a handshake
// record after a TLS 1.2 handshake: a renegotiation (header).
func (w *recordWatch) read(p []byte) (renegotiation bool) {
	behind := w.alerts&(alertSeen|alertHeld) != 0 && len(p) > 0
	if len(p) == 0 {
		// A read that found nothing (a deadline that passed) ends the
		// Read that made it: nothing is held back any more.
		w.alerts &^= alertHeld
	}
	w.alerts &^= alertSeen
	w.taken, w.headLeft = w.complete, 0
	for len(p) > 0 {
		if w.hn == 0 && len(p) >= 5 {
			// A whole header at hand, as nearly always.
			renegotiation = renegotiation || w.header(p[0])
			w.noteType(p[0])
			w.len = [2]byte{p[3], p[4]}
			w.left = uint16(p[3])<<8 | uint16(p[4])
			p = p[5:]
			if w.hn = 5; w.left == 0 {
				w.next()
			}
			continue
		}
		if w.hn < 5 {
			// Header bytes: type, version (2), length (2).
			if w.hn == 0 {
				renegotiation = renegotiation || w.header(p[0])
				w.noteType(p[0])
			}
			if w.hn >= 3 {
				w.len[w.hn-3] = p[0]
			}
			w.hn++
			p = p[1:]
			if w.hn == 5 {
				w.left = uint16(w.len[0])<<8 | uint16(w.len[1])
				if w.left == 0 {
					w.next()
				}
			}
			continue
		}
		n := min(len(p), int(w.left))
		w.left -= uint16(n)
		p = p[n:]
		if w.left == 0 {
			w.next()
		}
	}
	if behind {
		// crypto/tls read from the socket after an alert record that it
		// has consumed, or while it reads on past one. It reads an
		// alert that follows a record's data in the same Read that
		// returns the data (to report a close_notify with it), drops a
		// warning alert and reads on, from the socket too and through
		// records with no data, until a record with data is in, whose
		// data it keeps. The data that Read returns, which RecordRead
		// is told of next, is of a record before these reads: counted
		// as one more record held back in each of them, it cannot
		// count the record kept consumed, nor is the record completed
		// first taken for the head record. An alert crypto/tls read at
		// the start of a Read leaves the count one behind: cautious,
		// until a read finds nothing.
		w.alerts |= alertHeld
		if w.complete != w.taken {
			w.taken--
		}
		w.headLeft = 0
	}
	return renegotiation
}

// noteType notes whether the record whose header begins with typ is an
// alert record.
func (w *recordWatch) noteType(typ byte) {
	if w.alerts &^= alertNow; typ == recordTypeAlert {
		w.alerts |= alertNow
	}
}

func (w *recordWatch) next() {
	w.complete++
	w.hn = 0
	if w.alerts&alertNow != 0 {
		w.alerts |= alertSeen
	}
	if w.complete-w.taken == 1 {
		// The first record since crypto/tls last read from the socket:
		// the one it returns data from next.
		if l := uint16(w.len[0])<<8 | uint16(w.len[1]); w.over > 0 && l > uint16(w.over) {
			w.headLeft = l - uint16(w.over)
		}
	}
}

func (w *recordWatch) unread() Unread {
	switch {
	case int16(w.complete-w.taken) > 0:
		return UnreadMaybe
	case w.hn > 0:
		return UnreadPartial
	}
	return UnreadNone
}

// Unread tells what crypto/tls may hold, on a TLS listener, of the input
// it has read: [UnreadNone] when a read through it would wait for the
// socket, so that a server may wait for the socket itself without holding
// a buffer for the read. It is cautious: [UnreadMaybe] may be said of
// nothing. It is [UnreadMaybe] too while input a wait read ahead
// ([InputWait]) is still to be read. On a plain listener it is always
// [UnreadMaybe]. Call it only
// from the goroutine that reads the connection.
func (c *Conn) Unread() Unread {
	if !c.records.on || c.ahead != nil || (c.stages != nil && len(c.stages.pending) > 0) {
		return UnreadMaybe
	}
	return c.records.unread()
}

// InputMark is a value that changes with every byte crypto/tls reads
// through c, on a TLS listener: a reader that saw its read end with no
// data (a deadline) can tell from it whether bytes came meanwhile, of a
// record still arriving. It is 0 on a plain listener. Call it only from
// the goroutine that reads the connection.
func (c *Conn) InputMark() uint64 {
	w := &c.records
	// Each byte moves one of these: a header byte hn, a payload byte
	// left, a record's last byte complete.
	return uint64(w.complete)<<32 | uint64(w.hn)<<16 | uint64(w.left)
}

// PartialAt is when a read from c, on a TLS listener, last ended inside
// a TLS record: when the client's last bytes came while a record was
// still arriving, of which crypto/tls returns nothing until it is whole.
// It is the zero time before any such read. A server that counts a
// client's silence from the data it last read can count it from these
// bytes too, while [Conn.Unread] is [UnreadPartial] (the last read from
// the socket ended inside the record still arriving): a client that
// stops in the middle of a record is then silent from its last byte, not
// from the last data. Reads that end at a record's end leave it as it
// was, and cost no reading of the clock. Safe for concurrent use.
func (c *Conn) PartialAt() time.Time {
	if ns := c.partialAt.Load(); ns != 0 {
		return c.Accepted.Add(time.Duration(ns))
	}
	return time.Time{}
}

// RecordRead tells the Conn that a read through crypto/tls returned n
// bytes, asked for asked: call it from the reading goroutine after every
// read that returned data, or [Conn.Unread] stays at [UnreadMaybe] until
// crypto/tls next reads from the socket. A read that returned less than
// asked consumed a record: crypto/tls holds none of its data. One that
// filled the buffer may have left the rest of the record in crypto/tls,
// which a wait on the socket would never see: it counts only once the
// reads since crypto/tls last read from the socket have returned as much
// as that record can hold. Each read returns data of one record only,
// and a record consumed unseen (an empty one, a post-handshake message)
// or data padded out (TLS 1.3) only leave the count behind, cautious.
func (c *Conn) RecordRead(n, asked int) {
	w := &c.records
	w.alerts &^= alertHeld
	if int16(w.complete-w.taken) <= 0 {
		return
	}
	if n < asked || (w.headLeft > 0 && n >= int(w.headLeft)) {
		w.taken++
		// The next record's length is not kept: unknown until crypto/tls
		// next reads from the socket.
		w.headLeft = 0
		return
	}
	if w.headLeft > 0 {
		w.headLeft -= uint16(n)
	}
}
