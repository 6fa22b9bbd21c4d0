package ws

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"sync"
)

// The compressed echo.
//
// gorilla compresses a message through a flate.Writer that it holds from
// NextWriter to Close, and a flate.Writer takes about 1.2 MiB (its hash
// tables are arrays inside it, whatever the level). The echo streams, so
// that writer would be held for as long as the client takes to send the
// message: a client that starts a message and sends the rest slowly, a
// continuation frame a minute, held 1.3 MiB of the server's memory per
// connection, where a plain connection holds about 40 KiB.
//
// So on a connection with permessage-deflate the echo compresses each
// piece it reads on its own, with a flate.Writer taken from a pool only
// for that piece, and hands the bytes to gorilla's plain writer; the
// watchedConn sets RSV1 on the message's first frame (rsv1Next). With
// server_no_context_takeover, which gorilla always answers, a message is
// one deflate stream (RFC 7692 section 7.2.1): each piece ends with a
// sync flush, the empty stored block 00 00 ff ff, and the pieces joined
// are one stream. The last four bytes of each piece are held back and
// sent before the next, so the message does not end with them (section
// 7.2.1 has the sender remove them). A piece is 32 KiB, deflate's
// window, but the message's last, so compressing pieces apart loses
// little. The fault echo's messages, which come whole, are sent the same
// way (write): a bw fault or a slow reader can make one message's write
// last minutes, and gorilla's writer would hold its compressor as long.

// deflateTrailer ends a sync flush; RFC 7692 section 7.2.1 removes it
// from the end of a compressed message.
var deflateTrailer = []byte{0x00, 0x00, 0xff, 0xff}

// errNoTrailer would end an echo whose compressed piece did not end with
// deflateTrailer.
var errNoTrailer = errors.New("ws: compressed piece without its sync flush")

// deflater compresses the pieces of echoed messages; its writers and
// buffers are pooled and held only while a piece is compressed.
type deflater struct {
	writers sync.Pool // *flate.Writer
	outs    sync.Pool // *bytes.Buffer
}

func newDeflater() *deflater {
	d := &deflater{}
	d.writers.New = func() any {
		// gorilla's default level, with which it compressed the echo.
		fw, _ := flate.NewWriter(nil, flate.BestSpeed)
		return fw
	}
	d.outs.New = func() any { return new(bytes.Buffer) }
	return d
}

// pieceSize is the most of a message compressed at once: deflate's
// window, so that compressing pieces apart loses little.
const pieceSize = 32 << 10

// echo sends back the message r of type mt compressed, reading it
// through buf.
func (d *deflater) echo(c *Conn, mt int, r io.Reader, buf []byte) error {
	m, err := d.start(c, mt)
	if err != nil {
		return err
	}
	defer m.abandon()
	for {
		// A piece is a full buffer, or the message's end: an inflater
		// hands out each deflate block as it ends, and a client sending
		// a block per byte would otherwise cost a compression, a flush
		// and its trailer per byte.
		n, rerr := fill(r, buf)
		if rerr != nil && rerr != io.EOF {
			return rerr
		}
		if err := m.piece(buf[:n]); err != nil {
			return err
		}
		if rerr == io.EOF {
			return m.close()
		}
	}
}

// write sends data, a whole message of type mt, compressed by pieces of
// pieceSize: the fault echo's messages, which may go out slowly (bw, a
// client that reads slowly), hold a compressor only while a piece is
// compressed, never while it is written.
func (d *deflater) write(c *Conn, mt int, data []byte) error {
	m, err := d.start(c, mt)
	if err != nil {
		return err
	}
	defer m.abandon()
	for len(data) > 0 {
		n := min(len(data), pieceSize)
		if err := m.piece(data[:n]); err != nil {
			return err
		}
		data = data[n:]
	}
	return m.close()
}

// deflateMessage is one compressed message being written through
// gorilla's plain writer.
type deflateMessage struct {
	d    *deflater
	nc   *watchedConn
	w    io.WriteCloser
	held bool // the last piece's trailer is held back
}

// start begins a message of type mt whose first frame gets RSV1.
func (d *deflater) start(c *Conn, mt int) (deflateMessage, error) {
	w, err := c.NextWriter(mt)
	if err != nil {
		return deflateMessage{}, err
	}
	c.nc.rsv1Next = true
	return deflateMessage{d: d, nc: c.nc, w: w}, nil
}

// piece compresses p, if not empty, and writes it.
func (m *deflateMessage) piece(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if err := m.d.piece(m.w, p, m.held); err != nil {
		return err
	}
	m.held = true
	return nil
}

// close ends the message.
func (m *deflateMessage) close() error {
	if !m.held {
		// An empty message: one empty stored block without its trailer
		// (RFC 7692 section 7.2.3.6).
		if _, err := m.w.Write([]byte{0x00}); err != nil {
			return err
		}
	}
	return m.w.Close()
}

// abandon clears RSV1 for the next message, should this one have ended
// before its first frame went out.
func (m *deflateMessage) abandon() { m.nc.rsv1Next = false }

// piece compresses p and writes it to w, after the trailer held back
// from the piece before when held is set, and without its own.
func (d *deflater) piece(w io.Writer, p []byte, held bool) error {
	out := d.outs.Get().(*bytes.Buffer)
	defer d.outs.Put(out)
	out.Reset()
	if held {
		out.Write(deflateTrailer)
	}
	fw := d.writers.Get().(*flate.Writer)
	fw.Reset(out)
	fw.Write(p) // writes to a bytes.Buffer do not fail
	fw.Flush()
	d.writers.Put(fw)
	b := out.Bytes()
	if !bytes.HasSuffix(b, deflateTrailer) {
		// compress/flate ends every Flush with the trailer; without it
		// the stream could not be cut there.
		return errNoTrailer
	}
	_, err := w.Write(b[:len(b)-len(deflateTrailer)])
	return err
}

// fill reads into buf until it is full or r ends, and returns io.EOF only
// for the message's end. io.ReadFull would turn io.EOF after a short read
// into io.ErrUnexpectedEOF, and so could not be told from the
// io.ErrUnexpectedEOF of a connection cut inside a TLS record, which must
// not end the echoed message as if it were whole.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
