// Command baseline is the plain echo server that tlsecho is measured
// against (tlsecho-load compare): the gorilla/websocket echo loop over
// NextReader/NextWriter on /ws, and tls.Listen plus io.Copy on the raw
// port, with Go's default TLS settings and the same certificate. It has
// no limits, deadlines, metrics or logging, so it is the floor of what
// serving these echoes costs, not something to deploy.
//
//	baseline -tls 127.0.0.1:9433 -https 127.0.0.1:9443 -cert cert.pem -key key.pem
package main

import (
	"crypto/tls"
	"flag"
	"io"
	"log"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
)

func main() {
	tlsAddr := flag.String("tls", "127.0.0.1:9433", "raw TLS echo `address`")
	httpsAddr := flag.String("https", "127.0.0.1:9443", "wss echo `address` (path /ws)")
	certFile := flag.String("cert", "cert.pem", "PEM certificate `file`")
	keyFile := flag.String("key", "key.pem", "PEM private key `file`")
	flag.Parse()
	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	raw, err := tls.Listen("tcp", *tlsAddr, cfg)
	if err != nil {
		log.Fatal(err)
	}
	https, err := tls.Listen("tcp", *httpsAddr, cfg)
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(serve(raw, https))
}

// serve runs the raw TLS echo on raw and the wss echo on https until one
// of them fails.
func serve(raw, https net.Listener) error {
	errc := make(chan error, 2)
	go func() { errc <- serveRaw(raw) }()
	go func() { errc <- http.Serve(https, http.HandlerFunc(echoWS)) }()
	return <-errc
}

// echoWS is gorilla's echo loop: each message streamed back as it is read.
func echoWS(w http.ResponseWriter, r *http.Request) {
	var up websocket.Upgrader
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		typ, r, err := c.NextReader()
		if err != nil {
			return
		}
		w, err := c.NextWriter(typ)
		if err != nil {
			return
		}
		if _, err := io.Copy(w, r); err != nil {
			return
		}
		if err := w.Close(); err != nil {
			return
		}
	}
}

// serveRaw is tls.Listen plus io.Copy: every byte back as it is read.
func serveRaw(l net.Listener) error {
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go func() {
			defer c.Close()
			io.Copy(c, c)
		}()
	}
}
