package main

import (
	"fmt"
	"strings"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// printHello prints, with -v, the ClientHello the client sent: the
// fingerprints a server or a bot filter sees, and the lists behind them.
func (c *client) printHello(p *reportPrinter) {
	if c.hello == nil {
		return
	}
	p.section("client hello (what this client offered)")
	const in = "  "
	h, err := c.hello.Hello()
	if err != nil {
		p.kv(in, "error", err.Error())
		return
	}
	d := tlsinfo.DescribeHello(h)
	p.kv(in, "JA4", d.JA4)
	p.kv(in, "JA4_r", d.JA4R)
	p.kv(in, "JA3", d.JA3Hash)
	p.kv(in, "JA3 string", d.JA3)
	p.kv(in, "SNI", orNone(d.SNI))
	p.kv(in, "ALPN", orNone(strings.Join(d.ALPN, ", ")))
	p.kv(in, "versions", entryList(d.Versions))
	p.kv(in, "suites", entryList(d.CipherSuites))
	p.kv(in, "extensions", entryList(d.Extensions))
	p.kv(in, "groups", entryList(d.SupportedGroups))
	p.kv(in, "key shares", entryList(d.KeyShareGroups))
	p.kv(in, "signatures", entryList(d.SignatureAlgorithms))
}

// entryList joins names; a value without a name shows its number.
func entryList(es []tlsinfo.Entry) string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Name
		if e.Name == "GREASE" || e.Name == "unknown" {
			s[i] = fmt.Sprintf("%s(%s)", e.Name, e.Hex)
		}
	}
	return orNone(strings.Join(s, ", "))
}
