package tlsinfo

import (
	"bytes"
	"testing"
)

// joinRecords is the plain reading of the assembler's job, as it was
// before the assembler put off its copy: the payloads of the handshake
// records of b, from the first on, warning alerts among them passed over,
// appended until they hold the message their first four bytes announce.
// It checks nothing else; nil when b holds no whole message.
func joinRecords(b []byte) []byte {
	var msg []byte
	for len(b) >= recordHeaderLen {
		size := recordSize(b)
		if len(b) < recordHeaderLen+size {
			return nil
		}
		if b[0] == recordTypeHandshake {
			msg = append(msg, b[recordHeaderLen:recordHeaderLen+size]...)
		}
		b = b[recordHeaderLen+size:]
		if len(msg) >= 4 {
			if want := 4 + (int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3])); len(msg) >= want {
				return msg[:want]
			}
		}
	}
	return nil
}

// FuzzAssemblerMessage checks the message the assembler returns against
// joinRecords, whether the bytes come at once or a byte at a time: the
// payloads, alerts between them left out, cut where the message ends,
// also inside a record that runs past it.
func FuzzAssemblerMessage(f *testing.F) {
	hello := []byte{1, 0, 0, 6, 3, 3, 'a', 'b', 'c', 'd'}
	f.Add(rerecord(cat([]byte{22, 3, 1, 0, byte(len(hello))}, hello), 3, 2))
	f.Add(cat([]byte{22, 3, 1, 0, 3}, hello[:3], warning, []byte{22, 3, 1, 0, 9}, hello[3:], []byte("xyz")))
	f.Add(cat(warning, []byte{22, 3, 1, 0, 2}, hello[:2], warning, warning, []byte{22, 3, 1, 0, 8}, hello[2:]))
	f.Fuzz(func(t *testing.T, in []byte) {
		var whole assembler
		msg, err := whole.feed(in)
		if err != nil || msg == nil || whole.sslv2 {
			return
		}
		if want := joinRecords(in); !bytes.Equal(msg, want) {
			t.Fatalf("message %x, want %x", msg, want)
		}
		var bytewise assembler
		for i := 1; i <= len(in); i++ {
			got, err := bytewise.feed(in[:i])
			if err != nil {
				t.Fatalf("fed a byte at a time: %v, at once a message", err)
			}
			if got != nil {
				if !bytes.Equal(got, msg) {
					t.Fatalf("fed a byte at a time: %x, at once %x", got, msg)
				}
				return
			}
		}
		t.Fatal("fed a byte at a time: no message, at once one")
	})
}
