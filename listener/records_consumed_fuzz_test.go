package listener

import (
	"encoding/binary"
	"testing"
)

// tlsModel reads records as crypto/tls does, so far as the record watch
// must follow it: from the socket only when the record it reads lacks
// bytes (each socket read brings a chunk of the stream, as the kernel
// hands over what has arrived), into a Read the data of one record at
// most, records with no data consumed unseen. On TLS 1.2 an alert record
// that follows the data a Read returns is read in that same Read, and a
// warning one is dropped and the next record read, from the socket if
// need be, its data kept for the next Read.
type tlsModel struct {
	tls12  bool
	socket [][]byte // chunks still in the kernel
	raw    []byte   // read from the socket, not yet a record consumed
	data   int      // data of the current record not yet returned
	c      *Conn
}

// over is what the model's cipher adds to a record's data: TLS 1.3's tag
// and content type, TLS 1.2 AES-GCM's tag and explicit nonce.
func (m *tlsModel) over() int {
	if m.tls12 {
		return 24
	}
	return 17
}

// fill reads one chunk from the socket, as the listener's Conn passes it
// to the watch; false when none is left.
func (m *tlsModel) fill() bool {
	if len(m.socket) == 0 {
		return false
	}
	m.c.records.read(m.socket[0])
	m.raw = append(m.raw, m.socket[0]...)
	m.socket = m.socket[1:]
	return true
}

// record consumes the next record, reading from the socket until it is
// whole, and sets data to its data; false when the socket ran dry first.
func (m *tlsModel) record() bool {
	for len(m.raw) < 5 || len(m.raw) < 5+int(binary.BigEndian.Uint16(m.raw[3:5])) {
		if !m.fill() {
			return false
		}
	}
	l := int(binary.BigEndian.Uint16(m.raw[3:5]))
	if m.raw[0] == 21 {
		// A warning alert: dropped.
		m.data = 0
	} else {
		// The record's data: its length less what the cipher adds and
		// the padding, which the model keeps in the first payload byte.
		m.data = l - m.over() - int(m.raw[5])
	}
	m.raw = m.raw[5+l:]
	return true
}

// read is tls.Conn.Read into a buffer of asked bytes: n is 0 only when
// the socket ran dry first.
func (m *tlsModel) read(asked int) (n int) {
	for m.data == 0 {
		if !m.record() {
			return 0
		}
	}
	n = min(asked, m.data)
	m.data -= n
	if m.tls12 && m.data == 0 && len(m.raw) > 0 && m.raw[0] == 21 {
		// The alert behind the data, read to report a close_notify with
		// it; a warning is dropped and crypto/tls reads on until a
		// record with data is in.
		for m.record() && m.data == 0 {
		}
	}
	return n
}

// FuzzRecordConsumed checks the rule by which reads through crypto/tls
// count a record consumed (Conn.RecordRead) against a model of crypto/tls:
// whenever the watch says crypto/tls holds nothing (UnreadNone), so that
// the server waits on the socket, the model holds nothing either: no data
// of a record not returned yet, no record read whole from the socket. A
// wait on the socket then would sleep on input already read. The first
// byte of tls12 picks TLS 1.2 (with warning alerts) or 1.3; records come
// from spec (3 bytes each: data length, padding or on TLS 1.2 an alert,
// and how far the socket chunk the record ends goes on), read sizes from
// sizes.
func FuzzRecordConsumed(f *testing.F) {
	f.Add(byte(0), []byte{200, 0, 0, 100, 0, 1}, []byte{128, 72, 16})
	f.Add(byte(0), []byte{0, 0, 0, 64, 3, 0, 0, 0, 1, 255, 0, 0}, []byte{64, 1, 255})
	f.Add(byte(0), []byte{122, 0, 0, 123, 0, 0, 40, 2, 1}, []byte{2, 120, 128, 6})
	// Data with a warning alert behind it in one segment, the next
	// record in another.
	f.Add(byte(1), []byte{3, 0, 1, 0, 1, 0, 3, 0, 0}, []byte{255})
	f.Fuzz(func(t *testing.T, tls12 byte, spec, sizes []byte) {
		if len(sizes) == 0 {
			sizes = []byte{128}
		}
		m := &tlsModel{tls12: tls12&1 == 1, c: &Conn{}}
		m.c.records.on, m.c.records.over = true, uint8(m.over())
		// The stream, in socket chunks: a chunk ends with a record
		// unless its third byte says to go on into the next.
		var chunk []byte
		for i := 0; i+3 <= len(spec) && i < 3*64; i += 3 {
			var rec []byte
			if m.tls12 && spec[i+1]&1 == 1 {
				// A warning alert (level 1), encrypted: 2 bytes of
				// alert and the cipher's overhead.
				rec = make([]byte, 5+2+m.over())
				rec[0] = 21
			} else {
				data, pad := int(spec[i])*4, int(spec[i+1])%8
				if m.tls12 {
					pad = 0 // no padding in TLS 1.2's AEAD records
				}
				rec = make([]byte, 5+data+pad+m.over())
				rec[0], rec[5] = 23, byte(pad)
			}
			rec[1], rec[2] = 3, 3
			binary.BigEndian.PutUint16(rec[3:5], uint16(len(rec)-5))
			chunk = append(chunk, rec...)
			if spec[i+2]&1 == 0 {
				m.socket = append(m.socket, chunk)
				chunk = nil
			}
		}
		if len(chunk) > 0 {
			m.socket = append(m.socket, chunk)
		}
		for i := 0; ; i++ {
			asked := max(1, int(sizes[i%len(sizes)]))
			n := m.read(asked)
			if n == 0 {
				return
			}
			m.c.RecordRead(n, asked)
			if m.c.Unread() == UnreadNone && (m.data > 0 || len(m.raw) > 0) {
				t.Fatalf("read %d: the watch says crypto/tls holds nothing; it holds %d bytes of a record's data and %d read from the socket", i, m.data, len(m.raw))
			}
		}
	})
}
