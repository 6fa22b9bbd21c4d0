package fault

import "encoding/binary"

// WebSocket opcodes (RFC 6455 section 5.2) a fragmented echo uses.
const (
	OpContinuation = 0
	OpText         = 1
	OpBinary       = 2
)

// AppendFrame appends one unmasked (server-to-client) WebSocket frame to
// dst: FIN when fin, the opcode, the payload length in the shortest form
// (RFC 6455 section 5.2 requires it) and the payload. frag:N writes each
// frame with one Write, so control frames sent meanwhile by another
// goroutine fall between frames, never inside one, which section 5.4
// allows.
func AppendFrame(dst []byte, opcode byte, fin bool, payload []byte) []byte {
	return append(appendHeader(dst, opcode, fin, len(payload)), payload...)
}

// appendHeader appends the header AppendFrame gives a frame of n payload
// bytes: at most frameRoom bytes.
func appendHeader(dst []byte, opcode byte, fin bool, n int) []byte {
	b0 := opcode & 0x0f
	if fin {
		b0 |= 0x80
	}
	switch {
	case n <= 125:
		return append(dst, b0, byte(n))
	case n <= 0xffff:
		dst = append(dst, b0, 126)
		return binary.BigEndian.AppendUint16(dst, uint16(n))
	default:
		dst = append(dst, b0, 127)
		return binary.BigEndian.AppendUint64(dst, uint64(n))
	}
}

// Fragments calls frame for each frame of a message of opcode op split
// into payloads of at most max bytes (all of it when max is 0 or more),
// in order, with the opcode and FIN bit each must carry. An empty message
// is one empty frame. It stops at the first error.
func Fragments(op byte, msg []byte, max int, frame func(opcode byte, fin bool, payload []byte) error) error {
	if max <= 0 || max > len(msg) {
		max = len(msg)
	}
	for first := true; first || len(msg) > 0; first = false {
		k := min(max, len(msg))
		code := op
		if !first {
			code = OpContinuation
		}
		if err := frame(code, k == len(msg), msg[:k]); err != nil {
			return err
		}
		msg = msg[k:]
	}
	return nil
}
