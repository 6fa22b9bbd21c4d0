package main

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/tlsecho/tlsecho/internal/bytediff"
	"github.com/tlsecho/tlsecho/internal/plural"
)

// The most of standard input a session holds sent and not yet echoed:
// past either bound it sends no more until the echo catches up, so a
// server that reads everything and echoes nothing costs the client at
// most this, not all of its input. A line longer than maxOwedBytes goes
// out alone, once everything before it has come back (the line is in
// memory anyway). 4,096 lines in flight keep a pipe of short lines
// going; 4 MiB keep a bulk transfer at 40 MB/s over a 100 ms round trip.
const (
	maxOwedLines = 4096
	maxOwedBytes = 4 << 20
)

// owedEcho holds the lines of a session of standard input that have gone
// out, or are going, and have not come back whole, and checks what comes
// back against them: byte for byte on tls://, where the echo is a stream,
// message for message on wss://, where each line is a message (without
// its line end). Counting alone let a server that changed a byte of a
// line pass. A line is put here before it is sent: an echo server may
// answer before the send returns.
//
// One goroutine puts (the sender), another takes (the reader).
type owedEcho struct {
	addr     string
	progress chan struct{} // a token when the echo takes a line or bytes

	mu        sync.Mutex
	lines     [][]byte // sent and not yet echoed whole, oldest first
	off       int      // bytes of lines[0] echoed already (tls://)
	first     int      // the number of lines[0] in the input, from 1
	bytes     int      // bytes owed: in lines, less off
	echoed    int64    // bytes echoed in all (tls://)
	sentLines int
	sentBytes int64
	ended     bool // the input has ended (see end)
}

func newOwedEcho(addr string) *owedEcho {
	return &owedEcho{addr: addr, progress: make(chan struct{}, 1), first: 1}
}

// echoDiffError is an echo of standard input that differs from what was
// sent, or goes past it, said in full.
type echoDiffError struct {
	msg  string
	line int    // the line it differs in, from 1; 0 when past what was sent
	got  []byte // what came in that line's place, as far as it is known
}

// Error is the whole sentence.
func (e *echoDiffError) Error() string { return e.msg }

// errOwedFull is a send that waited -timeout for the echo to make room
// and saw none of it come.
type errOwedFull struct{ msg string }

// Error is the whole sentence.
func (e *errOwedFull) Error() string { return e.msg }

// put waits until data fits (see maxOwedLines) and holds it as the next
// line. The wait ends with errReaderEnded once readerGone is closed, with
// ctx's error, or with an errOwedFull once no echo has come for wait.
func (o *owedEcho) put(ctx context.Context, data []byte, readerGone <-chan struct{}, wait time.Duration) error {
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		o.mu.Lock()
		if len(o.lines) == 0 || (len(o.lines) < maxOwedLines && o.bytes+len(data) <= maxOwedBytes) {
			o.lines = append(o.lines, data)
			o.bytes += len(data)
			o.sentLines++
			o.sentBytes += int64(len(data))
			o.mu.Unlock()
			return nil
		}
		lines, owed := len(o.lines), o.bytes
		o.mu.Unlock()
		if t == nil {
			t = time.NewTimer(wait)
		}
		select {
		case <-o.progress:
			t.Reset(wait)
		case <-readerGone:
			return errReaderEnded
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			return &errOwedFull{fmt.Sprintf("no echo from %s within %v while the client held %d %s (%d bytes) sent and not echoed, "+
				"the most it holds (%d lines or %d MiB): it sends no more until the echo catches up",
				o.addr, wait, lines, linesWord(lines), owed, maxOwedLines, maxOwedBytes>>20)}
		}
	}
}

// end marks the end of input: what comes past the lines held is now
// said to come after it.
func (o *owedEcho) end() {
	o.mu.Lock()
	o.ended = true
	o.mu.Unlock()
}

// moved tells the sender that the echo took something.
func (o *owedEcho) moved() {
	select {
	case o.progress <- struct{}{}:
	default:
	}
}

// stream checks p, read from a tls:// echo, against the lines held and
// takes what matches: n bytes, all of p unless err says where it
// differs or that it goes past what was sent.
func (o *owedEcho) stream(p []byte) (n int, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	defer func() {
		if n > 0 {
			o.echoed += int64(n)
			o.moved()
		}
	}()
	for n < len(p) {
		if len(o.lines) == 0 {
			return n, &echoDiffError{msg: fmt.Sprintf("echo from %s differs%s: sent %s, got more: %s",
				o.addr, o.when(), plural.Count(o.sentBytes, "byte", "bytes"), excerpt(p[n:]))}
		}
		line := o.lines[0]
		rest := line[o.off:]
		k := min(len(rest), len(p)-n)
		if i := bytediff.First(rest[:k], p[n:n+k]); i >= 0 {
			// What came in the line's place: the part that matched, then
			// this read's bytes, up to the line's length.
			got := append(append([]byte(nil), line[:o.off]...), p[n:min(len(p), n+len(rest))]...)
			return n + i, &echoDiffError{line: o.first, got: got,
				msg: fmt.Sprintf("echo of line %d from %s differs (at byte %d of the echo stream): %s",
					o.first, o.addr, o.echoed+int64(n+i), echoDiff(line, got))}
		}
		n += k
		o.off += k
		o.bytes -= k
		if o.off == len(line) {
			o.pop()
		}
	}
	return n, nil
}

// next returns the line the next wss:// message is to echo, or ok false
// when none is owed.
func (o *owedEcho) next() (line []byte, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.lines) == 0 {
		return nil, false
	}
	return o.lines[0], true
}

// message checks a wss:// message of type gt (got, read up to one byte
// past the line it echoes, from next) against that line and takes it.
func (o *owedEcho) message(gt int, got []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	line := o.lines[0]
	if mt := messageType(line); gt != mt || !bytes.Equal(got, line) {
		err := messageDiffers(fmt.Sprintf("echo of line %d", o.first), o.addr, mt, gt, line, got)
		return &echoDiffError{msg: err.Error(), line: o.first, got: got}
	}
	o.bytes -= len(line)
	o.pop()
	o.moved()
	return nil
}

// pastMessages is the error for a wss:// message when none is owed; got
// is its start.
func (o *owedEcho) pastMessages(got []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return &echoDiffError{msg: fmt.Sprintf("echo from %s differs%s: sent %s of %s in all, got more: %s",
		o.addr, o.when(), plural.Count(o.sentLines, "message", "messages"), plural.Count(o.sentBytes, "byte", "bytes"), excerpt(got))}
}

// pop drops the line echoed whole.
func (o *owedEcho) pop() {
	o.lines[0] = nil
	o.lines = o.lines[1:]
	o.off = 0
	o.first++
}

func (o *owedEcho) when() string {
	if o.ended {
		return " after the end of input"
	}
	return ""
}

// excerpt quotes the start of what a server sent, cut at 32 bytes.
func excerpt(b []byte) string {
	if len(b) > 32 {
		return fmt.Sprintf("%q...", b[:32])
	}
	return fmt.Sprintf("%q", b)
}

// linesWord is "line" or "lines" for n of them.
func linesWord(n int) string {
	if n == 1 {
		return "line"
	}
	return "lines"
}

// messageDiffers is the error for the echo of a wss:// message that
// differs from what was sent, in its type (mt sent, gt got) or its bytes;
// which names the echo ("echo 2", "echo of line 2").
func messageDiffers(which, addr string, mt, gt int, sent, got []byte) error {
	return fmt.Errorf("%s from %s differs: sent a %s message, got a %s one; %s",
		which, addr, typeName(mt), typeName(gt), echoDiff(sent, got))
}

// echoDiffers reports an echo of standard input that differs: on tls://,
// a first line answered in HTTP asks whether the port is an HTTPS one,
// as for a MESSAGE.
func (c *client) echoDiffers(de *echoDiffError) error {
	if c.o.target.scheme == "tls" && de.line == 1 && answeredHTTP(de.got) {
		return fmt.Errorf("%w; it answered in HTTP: %s", de, c.httpsPortHint(""))
	}
	return de
}
