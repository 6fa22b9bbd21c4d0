package tlsinfo

// maxFragment is the largest record payload [Refragment] gives crypto/tls.
// crypto/tls reads a record into an input buffer it first sizes for the
// 5-byte header plus 512 bytes (bytes.MinRead), which the allocator rounds
// to 576; a record of at most 576 bytes, header included, read on its own,
// fits that and the buffer never grows. The buffer is kept for the
// connection's life, so a 1.5 KiB hello in one record, which grows it to
// 2 KiB, costs an idle connection 1.4 KiB more.
const maxFragment = 576 - recordHeaderLen

// Refragment returns raw, the bytes [ReadClientHello] read, with the
// records that carry the ClientHello cut into records of at most
// [maxFragment] bytes: the same handshake message, as TLS lets a sender
// fragment it (RFC 8446 section 5.1), so crypto/tls takes it as it would
// have taken the original. Read them one record at a time ([NextRecord]).
//
// The pieces are the message's length halved until they fit, so the
// buffer crypto/tls gathers the message in, which doubles as it fills and
// is also kept for the connection's life, ends no larger than the one the
// whole message would have made.
//
// raw comes back as it was, not a copy, when its hello is one record no
// larger than a piece, as most are, and when it does not start with what
// [ReadClientHello] takes for one whole ClientHello message (whatever its
// body holds), its records ending where the message ends, with no alert
// between them: anything else is crypto/tls's to refuse in its own words,
// from the bytes the client sent.
func Refragment(raw []byte) []byte {
	// The records are walked as ReadClientHello walks them, so the two
	// agree on what a hello's records are: types, record versions,
	// sizes, the warning alerts passed over before it.
	var a assembler
	msg, err := a.feed(raw)
	if err != nil || msg == nil || a.sslv2 || a.got != len(msg) {
		return raw
	}
	// Warning alerts the client sent before the hello stay as they are.
	start := 0
	for raw[start] == recordTypeAlert {
		start += recordHeaderLen + 2
	}
	end, records := a.pos, 0
	for at := start; at < end; at += recordHeaderLen + recordSize(raw[at:]) {
		if raw[at] != recordTypeHandshake {
			return raw // an alert between the hello's records
		}
		records++
	}
	if records == 1 && len(msg) <= maxFragment {
		return raw // the usual hello: nothing to cut, no copy to make
	}
	piece := len(msg)
	for piece > maxFragment {
		piece = (piece + 1) / 2
	}
	n := (len(msg) + piece - 1) / piece
	out := make([]byte, 0, len(raw)-(end-start)+n*recordHeaderLen+len(msg))
	out = append(out, raw[:start]...)
	for m := msg; len(m) > 0; {
		n := min(piece, len(m))
		out = append(out, recordTypeHandshake, raw[start+1], raw[start+2], byte(n>>8), byte(n))
		out = append(out, m[:n]...)
		m = m[n:]
	}
	return append(out, raw[end:]...)
}

// NextRecord returns how many of b's bytes to return to a read that
// should get no more than one TLS record: those of b's first record, or
// all of b when it holds less than a whole one.
func NextRecord(b []byte) int {
	if len(b) < recordHeaderLen {
		return len(b)
	}
	return min(len(b), recordHeaderLen+recordSize(b))
}

// recordSize is the payload length in the header rec starts with.
func recordSize(rec []byte) int { return int(rec[3])<<8 | int(rec[4]) }
