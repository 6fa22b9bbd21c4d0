package listener

import (
	"encoding/binary"
	"testing"
)

// tlsModel reads TLS 1.3 records as crypto/tls does, so far as the record
// watch must follow it: from the socket only when the record it reads
// lacks bytes (each socket read brings a chunk of the stream, as the
// kernel hands over what has arrived), and into a Read the data of one
// record at most, records with no data consumed unseen.
type tlsModel struct {
	socket [][]byte // chunks still in the kernel
	raw    []byte   // read from the socket, not yet a record consumed
	data   int      // data of the current record not yet returned
	c      *Conn
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

// read is tls.Conn.Read into a buffer of asked bytes: n is 0 only when
// the socket ran dry first.
func (m *tlsModel) read(asked int) (n int) {
	for m.data == 0 {
		for len(m.raw) < 5 || len(m.raw) < 5+int(binary.BigEndian.Uint16(m.raw[3:5])) {
			if !m.fill() {
				return 0
			}
		}
		l := int(binary.BigEndian.Uint16(m.raw[3:5]))
		// The record's data: its length less the tag, the content type
		// and the padding, which the model keeps in the record's first
		// payload byte.
		m.data = l - 17 - int(m.raw[5])
		m.raw = m.raw[5+l:]
	}
	n = min(asked, m.data)
	m.data -= n
	return n
}

// FuzzRecordConsumed checks the rule by which reads through crypto/tls
// count a record consumed (Conn.RecordRead) against a model of crypto/tls:
// whenever the watch says crypto/tls holds nothing (UnreadNone), so that
// the server waits on the socket, the model holds nothing either: no data
// of a record not returned yet, no record read whole from the socket. A
// wait on the socket then would sleep on input already read. Records come
// from spec (3 bytes each: data length, padding, and how far the socket
// chunk the record ends goes on), read sizes from sizes.
func FuzzRecordConsumed(f *testing.F) {
	f.Add([]byte{200, 0, 0, 100, 0, 1}, []byte{128, 72, 16})
	f.Add([]byte{0, 0, 0, 64, 3, 0, 0, 0, 1, 255, 0, 0}, []byte{64, 1, 255})
	f.Add([]byte{122, 0, 0, 123, 0, 0, 40, 2, 1}, []byte{2, 120, 128, 6})
	f.Fuzz(func(t *testing.T, spec, sizes []byte) {
		if len(sizes) == 0 {
			sizes = []byte{128}
		}
		// The stream, in socket chunks: a chunk ends with a record
		// unless its third byte says to go on into the next.
		m := &tlsModel{c: &Conn{}}
		m.c.records.on, m.c.records.over = true, 17
		var chunk []byte
		for i := 0; i+3 <= len(spec) && i < 3*64; i += 3 {
			data, pad := int(spec[i])*4, int(spec[i+1])%8
			rec := make([]byte, 5+data+1+pad+16)
			rec[0], rec[1], rec[2] = 0x17, 0x03, 0x03
			binary.BigEndian.PutUint16(rec[3:5], uint16(data+1+pad+16))
			rec[5] = byte(pad)
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
