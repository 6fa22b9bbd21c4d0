// Command floor is the least a wss echo over crypto/tls can do, for
// comparison only: how close tlsecho's echo comes to it, and whether a
// target for the ratio to the plain gorilla loop is within reach of any
// server built on crypto/tls. It is not something to deploy.
//
// On /ws it answers the upgrade by hand and then reads into one 64 KiB
// buffer, answers every whole frame there in place (answer) and sends the
// answers in one write: no gorilla, no pooled buffers, no timers or
// deadlines, no limits, no metrics, nothing counted. Its reads are
// crypto/tls's, as the plain loop's are: a read that finds nothing before
// each wait. Its raw TLS port is the plain loop's, tls.Listen and io.Copy.
//
// It reads the variables tlsecho-load compare gives tlsecho, so that
//
//	go build -o /tmp/floor ./cmd/tlsecho-load/floor
//	go run ./cmd/tlsecho-load compare -tlsecho /tmp/floor -run 'wss echo'
//
// measures it in tlsecho's place against the plain loop. Its admin port
// only accepts: compare waits for every port to.
package main

import (
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"io"
	"log"
	"net"
	"net/http"
	"os"
)

func main() {
	cert, err := tls.LoadX509KeyPair(env("TLSECHO_CERT_FILE", "cert.pem"), env("TLSECHO_KEY_FILE", "key.pem"))
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	var ls [3]net.Listener
	for i, addr := range []string{env("TLSECHO_TLS_ADDR", "127.0.0.1:7433"), env("TLSECHO_HTTPS_ADDR", "127.0.0.1:7443")} {
		if ls[i], err = tls.Listen("tcp", addr, cfg); err != nil {
			log.Fatal(err)
		}
	}
	if ls[2], err = net.Listen("tcp", env("TLSECHO_ADMIN_ADDR", "127.0.0.1:7090")); err != nil {
		log.Fatal(err)
	}
	go http.Serve(ls[2], http.NotFoundHandler())
	log.Fatal(serve(ls[0], ls[1]))
}

// env is the variable key, or def when it is unset or empty.
func env(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// serve runs the raw TLS echo on raw and the wss echo on https until one
// of them fails.
func serve(raw, https net.Listener) error {
	errc := make(chan error, 2)
	go func() {
		for {
			c, err := raw.Accept()
			if err != nil {
				errc <- err
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	go func() { errc <- http.Serve(https, http.HandlerFunc(upgrade)) }()
	return <-errc
}

// bufferSize holds one frame of a 64 KiB message with the client's
// largest header (14 bytes).
const bufferSize = 64<<10 + 14

// wsGUID is the GUID of RFC 6455 section 1.3, for Sec-WebSocket-Accept.
const wsGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// upgrade answers a WebSocket handshake (RFC 6455 section 4.2.2) and
// echoes on the connection.
func upgrade(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Sec-WebSocket-Key")
	if key == "" {
		http.Error(w, "not a WebSocket handshake", http.StatusBadRequest)
		return
	}
	c, brw, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer c.Close()
	sum := sha1.Sum([]byte(key + wsGUID))
	accept := base64.StdEncoding.EncodeToString(sum[:])
	if _, err := io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"+
		"Connection: Upgrade\r\nSec-WebSocket-Accept: "+accept+"\r\n\r\n"); err != nil {
		return
	}
	buf := make([]byte, bufferSize)
	have, _ := brw.Reader.Read(buf[:brw.Reader.Buffered()])
	echo(c, buf, have)
}

// echo answers the client's frames on c until a close, an error, or a
// frame that breaks the rules answer keeps; buf[:have] is input already
// read.
func echo(c net.Conn, buf []byte, have int) {
	for {
		if have == len(buf) {
			// A frame larger than the buffer: 1009, message too big.
			c.Write([]byte{0x88, 2, 0x03, 0xF1})
			return
		}
		n, rerr := c.Read(buf[have:])
		have += n
		a := answer(buf[:have])
		if a.to > a.from {
			if _, err := c.Write(buf[a.from:a.to]); err != nil {
				return
			}
		}
		switch {
		case a.closed:
			return
		case a.unmasked:
			c.Write([]byte{0x88, 2, 0x03, 0xEA}) // 1002, protocol error
			return
		case rerr != nil:
			return
		}
		have = copy(buf, buf[a.taken:have])
	}
}
