package main

import (
	"net"
	"strings"
	"testing"
)

// TestClientProxyHeaderMismatch: a server that closes the connection
// before answering the ClientHello at all is, most often, one side of a
// PROXY protocol mismatch: the real server with TLSECHO_PROXY_PROTOCOL=require
// and a client without -proxy-v2, or a server without it and a client
// with -proxy-v2. The client's message names that, on both schemes,
// instead of only guessing that the server does not speak TLS.
func TestClientProxyHeaderMismatch(t *testing.T) {
	t.Parallel()
	required := startApp(t, map[string]string{"PROXY_PROTOCOL": "require"})
	plain := startApp(t, nil)
	caFile := writeCertFile(t, plain.src.Leaf())
	requiredCA := writeCertFile(t, required.src.Leaf())
	for kind, u := range urls(required) {
		r := runClient(t, "", "-ca", requiredCA, "-servername", "localhost", u, "hello")
		r.want(t, exitFailure, nil, []string{"closed the connection before answering the ClientHello",
			"expects a PROXY protocol header first, as behind a load balancer: try -proxy-v2"})
		if t.Failed() {
			t.Fatalf("%s without -proxy-v2", kind)
		}
		runClient(t, "", "-ca", requiredCA, "-servername", "localhost", "-proxy-v2", u, "hello").want(t, exitOK, []string{"hello"}, nil)
	}
	for kind, u := range urls(plain) {
		r := runClient(t, "", "-ca", caFile, "-servername", "localhost", "-proxy-v2", u, "hello")
		r.want(t, exitFailure, nil, []string{"closed the connection before answering the ClientHello that followed the PROXY header of -proxy-v2",
			"does not expect a PROXY header"})
		if t.Failed() {
			t.Fatalf("%s with -proxy-v2", kind)
		}
	}
}

// TestClientFullServerHint: a server at its connection limit closes a
// connection at accept, before the ClientHello is answered, as a PROXY
// mismatch does. The client's message names the limit beside the PROXY
// header, and with -proxy-v2, whose header can draw the server's reset
// before the ClientHello is written ("write: broken pipe"), it is
// explained in words too rather than passed on raw.
func TestClientFullServerHint(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"MAX_CONNS": "1", "HANDSHAKE_TIMEOUT": "1m"})
	for kind, u := range urls(ta) {
		// Connected first, so accepted first: it holds the one slot
		// while it says nothing.
		addr := ta.TLSAddr
		if kind == "wss" {
			addr = ta.HTTPSAddr
		}
		held, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer held.Close()
		runClient(t, "", "-insecure", u, "hello").want(t, exitFailure, nil, []string{
			"closed the connection before answering the ClientHello", "it is at its connection limit (tlsecho: TLSECHO_MAX_CONNS)"})
		runClient(t, "", "-insecure", "-proxy-v2", u, "hello").want(t, exitFailure, nil, []string{
			"closed the connection before answering the ClientHello that followed the PROXY header of -proxy-v2",
			"as does one at its connection limit (tlsecho: TLSECHO_MAX_CONNS)"})
	}
}

// TestProxyProtocolAnyCase: TLSECHO_PROXY_PROTOCOL is read in any case,
// as the log level and format are; "REQUIRE" was refused at start where
// "JSON" was taken. The server then requires the header indeed.
func TestProxyProtocolAnyCase(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "Require"})
	ca := writeCertFile(t, ta.src.Leaf())
	u := urls(ta)["tls"]
	runClient(t, "", "-ca", ca, "-servername", "localhost", u, "hello").want(t, exitFailure, nil,
		[]string{"expects a PROXY protocol header first"})
	runClient(t, "", "-ca", ca, "-servername", "localhost", "-proxy-v2", u, "hello").want(t, exitOK, []string{"hello"}, nil)
	// A word that is none of the three is quoted as it was written.
	_, err := loadConfig([]string{"TLSECHO_PROXY_PROTOCOL=ON"})
	if err == nil || !strings.Contains(err.Error(), `"ON": want off, optional or require`) {
		t.Errorf("TLSECHO_PROXY_PROTOCOL=ON: %v", err)
	}
}
