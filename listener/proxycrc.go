package listener

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/pires/go-proxyproto"

	"github.com/tlsecho/tlsecho/internal/plural"
)

// A v2 header may carry a CRC32C of itself (the PROXY protocol
// specification, section 2.2.5, PP2_TYPE_CRC32C): a balancer that sends
// one (HAProxy's proxy-v2-options crc32c) asks a receiver that supports it
// to drop the connection when the header does not match. go-proxyproto
// parses the TLV but does not check it, so the stage keeps the bytes of
// the header as they came and checks them here.

// pp2TypeCRC32C is the type of the CRC32C TLV.
const pp2TypeCRC32C = 0x03

// maxV2Header is the longest v2 header the stage reads: 16 bytes, then
// at most go-proxyproto's MaxV2HeaderSize (4096) of addresses and TLVs.
// The format allows up to 64 KiB; longer ones are refused before they are
// read (checkV2Length).
func maxV2Header() int { return 16 + int(proxyproto.MaxV2HeaderSize) }

// errCRC32C: the header's CRC32C TLV does not match the header.
var errCRC32C = errors.New("PROXY protocol v2 header: its CRC32C does not match its bytes")

// headerRecorder remembers the bytes read through it, up to the longest
// header read, so the raw header is at hand after go-proxyproto parsed it.
type headerRecorder struct {
	r io.Reader
	b []byte // the first bytes read
	n int    // all bytes read
}

func (h *headerRecorder) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.n += n
	if room := maxV2Header() - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(n, room)]...)
	}
	return n, err
}

// checkCRC32C checks the CRC32C TLV of the v2 header raw, if it has one.
// raw is the whole header, as go-proxyproto read it.
func checkCRC32C(raw []byte) error {
	val, err := findCRC32C(raw)
	if err != nil || val < 0 {
		return err
	}
	want, got := binary.BigEndian.Uint32(raw[val:]), headerCRC32C(raw, val)
	if got != want {
		return fmt.Errorf("%w (it says %08x, the bytes give %08x)", errCRC32C, want, got)
	}
	return nil
}

// findCRC32C returns where the value of raw's CRC32C TLV starts, or -1
// when it has none. The TLVs follow the addresses, whose length the
// address family gives (section 2.2).
func findCRC32C(raw []byte) (int, error) {
	if len(raw) < 16 {
		return -1, errors.New("PROXY protocol v2 header: shorter than 16 bytes")
	}
	off := 16
	switch raw[13] >> 4 {
	case 1: // IPv4
		off += 12
	case 2: // IPv6
		off += 36
	case 3: // Unix
		off += 216
	}
	for off+3 <= len(raw) {
		typ, n := raw[off], int(binary.BigEndian.Uint16(raw[off+1:off+3]))
		val := off + 3
		if val+n > len(raw) {
			// go-proxyproto refuses this in a PROXY header; a LOCAL
			// one's block is to be skipped, whatever it holds.
			return -1, nil
		}
		if typ == pp2TypeCRC32C {
			if n != 4 {
				return -1, fmt.Errorf("PROXY protocol v2 header: a CRC32C TLV of %s, not 4", plural.Count(n, "byte", "bytes"))
			}
			return val, nil
		}
		off = val + n
	}
	return -1, nil
}

// headerCRC32C is the CRC32C of raw with the 4 bytes at val, the
// checksum's own place, taken as zeros.
func headerCRC32C(raw []byte, val int) uint32 {
	table := crc32.MakeTable(crc32.Castagnoli) // made once by the package
	crc := crc32.Update(0, table, raw[:val])
	crc = crc32.Update(crc, table, []byte{0, 0, 0, 0})
	return crc32.Update(crc, table, raw[val+4:])
}
