package listener_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/listener"
)

// tlsBuffers returns the capacity of the two buffers a tls.Conn keeps for
// its life once it has read a handshake: its record input and the one it
// gathers handshake messages in. They are unexported; a crypto/tls that
// renames them fails the test, which then needs another way to look.
func tlsBuffers(t *testing.T, c *tls.Conn) (input, hand int) {
	t.Helper()
	v := reflect.ValueOf(c).Elem()
	in, h := v.FieldByName("rawInput"), v.FieldByName("hand")
	if !in.IsValid() || !h.IsValid() || !in.FieldByName("buf").IsValid() || !h.FieldByName("buf").IsValid() {
		t.Fatal("tls.Conn has no rawInput.buf or hand.buf any more")
	}
	return in.FieldByName("buf").Cap(), h.FieldByName("buf").Cap()
}

// echoOnce has the client send 64 bytes, which the server side of the
// connection, taken from accept, reads and sends back. accept runs
// beside the client's handshake: a tls.Listener's connection shakes hands
// on its first read.
func echoOnce(t *testing.T, addr string, cfg *tls.Config, accept func() (net.Conn, error)) *tls.Conn {
	t.Helper()
	type result struct {
		c   *tls.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := accept()
		if err != nil {
			ch <- result{nil, err}
			return
		}
		tc := c.(*tls.Conn)
		tc.SetDeadline(time.Now().Add(ioTimeout))
		msg := make([]byte, 64)
		if _, err = io.ReadFull(tc, msg); err == nil {
			_, err = tc.Write(msg)
		}
		ch <- result{tc, err}
	}()
	client, err := dialTLS(t, addr, cfg)
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer client.Close()
	client.SetDeadline(time.Now().Add(ioTimeout))
	msg := make([]byte, 64)
	client.Write(msg)
	if _, err := io.ReadFull(client, msg); err != nil {
		t.Fatalf("client read: %v", err)
	}
	r := <-ch
	if r.err != nil {
		t.Fatalf("server: %v", r.err)
	}
	return r.c
}

// TestHelloLeavesSmallBuffers: crypto/tls keeps the buffers it read the
// ClientHello with for the connection's life, sized by the hello's
// record. Replayed in small records, the hello leaves them no larger than
// a small one does: the record input stays at its first 576 bytes, and
// the handshake buffer no larger than crypto/tls alone makes it. A plain
// tls.Listener on the same configuration is the comparison.
func TestHelloLeavesSmallBuffers(t *testing.T) {
	t.Parallel()
	l := listen(t, tlsOptions(t, listener.Options{Name: "tls", CaptureHello: true}))
	got := acceptAll(t, l)
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	plain := tls.NewListener(tcp, tlsOptions(t, listener.Options{}).TLSConfig)
	defer plain.Close()

	// Go's own hello is about 1.5 KiB (its post-quantum key share is
	// 1.2 KiB); ALPN names make it longer, up to several records.
	long := func(n, size int) []string {
		var protos []string
		for i := range n {
			protos = append(protos, fmt.Sprintf("%0*d", size, i))
		}
		return protos
	}
	for _, protos := range [][]string{nil, {"h2", "http/1.1"}, long(2, 200), long(4, 200), long(40, 250), long(90, 250)} {
		cfg := clientConfig(t)
		cfg.NextProtos = protos
		name := fmt.Sprintf("ALPN of %d bytes", len(strings.Join(protos, "")))
		t.Run(name, func(t *testing.T) {
			server := echoOnce(t, l.Addr().String(), cfg, func() (net.Conn, error) {
				select {
				case a := <-got:
					return a.c, a.err
				case <-time.After(ioTimeout):
					return nil, errors.New("Accept returned nothing")
				}
			})
			input, hand := tlsBuffers(t, server)
			server.Close()
			plainServer := echoOnce(t, plain.Addr().String(), cfg, plain.Accept)
			plainInput, plainHand := tlsBuffers(t, plainServer)
			plainServer.Close()
			if input > 576 || hand > plainHand {
				t.Errorf("buffers of %d and %d bytes; want at most 576 and %d (crypto/tls alone: %d and %d)",
					input, hand, plainHand, plainInput, plainHand)
			}
			t.Logf("buffers of %d and %d bytes; crypto/tls alone: %d and %d", input, hand, plainInput, plainHand)
		})
	}
}
