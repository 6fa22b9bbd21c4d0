package main

import (
	"bufio"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// TestHellosEscapeHiddenCharacters: an SNI that carries a bidi control
// and a zero-width space (crypto/tls refuses the hello, which is listed
// all the same) is written escaped in /hellos, as in the log, never raw:
// a browser showing the JSON would show text reversed. The escape
// decodes to the very name the client sent.
func TestHellosEscapeHiddenCharacters(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	const name = "evil\u202e\u200bexample"
	sni := helloExt{0x0000, func(b *cryptobyte.Builder) {
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint8(0) // host_name
			b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte(name)) })
		})
	}}
	nc := sendFirst(t, ta.TLSAddr, extHello(sni, versionsExt(0x0304), x25519Share()))
	io.Copy(io.Discard, nc)
	waitHellos(t, ta, "", 1)
	resp, err := http.Get("http://" + ta.AdminAddr + "/hellos")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(string(body), "\u202e\u200b") || !strings.Contains(string(body), `evil\u202e\u200bexample`) {
		t.Fatalf("/hellos does not escape the SNI's hidden characters:\n%s", body)
	}
	var got []struct {
		SNI string `json:"sni"`
	}
	if err := json.Unmarshal(body, &got); err != nil || len(got) != 1 || got[0].SNI != name {
		t.Fatalf("/hellos decodes to %+v (%v), want the SNI %q", got, err, name)
	}
}

// TestInfoEscapesHiddenCharacters: /info shows the client's own hello,
// ALPN names among it, escaped alike.
func TestInfoEscapesHiddenCharacters(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	const proto = "x\u202eevil"
	cfg := ta.clientTLS()
	cfg.NextProtos = []string{"http/1.1", proto}
	c, err := tls.Dial("tcp", ta.HTTPSAddr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(ioWait))
	if _, err := io.WriteString(c, "GET /info HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(string(body), '\u202e') || !strings.Contains(string(body), `x\u202eevil`) {
		t.Fatalf("/info does not escape the ALPN name's bidi control:\n%s", body)
	}
	if !json.Valid(body) || !strings.Contains(resp.Header.Get("Content-Length"), strconv.Itoa(len(body))) {
		t.Fatalf("/info: Content-Length %s for %d bytes, or not JSON", resp.Header.Get("Content-Length"), len(body))
	}
}
