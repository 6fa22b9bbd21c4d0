package listener

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"github.com/pires/go-proxyproto"
	"github.com/pires/go-proxyproto/tlvparse"
)

// ProxyOptions configure the PROXY protocol stage (see [NewProxy]).
type ProxyOptions struct {
	// Require closes a connection that does not start with a valid v1 or
	// v2 header. Without it a header is used when there is one and a
	// connection without one is served as it comes.
	Require bool
	// Trusted are the IP addresses ("10.0.0.7") and CIDR ranges
	// ("10.0.0.0/8") of the load balancers allowed to send a header.
	// A header from any other peer closes that connection. Empty: any peer.
	Trusted []string
}

// Proxy is the PROXY protocol stage of a Listener: it reads a v1 or v2
// header (github.com/pires/go-proxyproto parses it) before anything else,
// so that Conn.Peer is the client the load balancer saw and
// Conn.Balancer the load balancer itself. Build it with [NewProxy] and set
// it as Options.Proxy.
//
// The header must arrive within the listener's HandshakeTimeout, counted
// from accept like the rest of the pipeline: a client that opens TCP and
// sends nothing holds its socket no longer than one that stalls in the
// TLS handshake. (Versions of go-proxyproto before 0.6.1 waited for a
// header with no bound at all; CVE-2021-23351.)
//
// A v2 header may carry at most 4096 bytes of addresses and TLVs
// (go-proxyproto's MaxV2HeaderSize), not the 64 KiB its 16-bit length
// allows: the parser allocates the whole length before reading it, and
// 4 KiB holds what balancers send (addresses, an authority, a CRC32C, a
// VPC endpoint, SSL details with a client certificate of 1 to 2 KiB). A
// longer header closes its connection, reported as too long.
type Proxy struct {
	policy  proxyproto.ConnPolicyFunc
	require bool
}

// proxyBufSize holds a whole v1 header (at most 107 bytes), which
// go-proxyproto wants in one buffer, and a v2 header with a few TLVs; a
// longer v2 header is read in several fills.
const proxyBufSize = 256

// NewProxy checks o and returns the stage. An entry of Trusted that is
// neither an IP address nor a CIDR range is an error naming it.
func NewProxy(o ProxyOptions) (*Proxy, error) {
	trusted := o.Trusted
	if len(trusted) == 0 {
		trusted = []string{"0.0.0.0/0", "::/0"}
	}
	p := &Proxy{require: o.Require}
	var err error
	if o.Require {
		// Trusted peers must send a header; any other is refused at once.
		p.policy, err = proxyproto.TrustProxyHeaderFromRanges(trusted)
	} else {
		// Trusted peers may send one; others must not.
		p.policy, err = proxyproto.PolicyFromRanges(trusted, proxyproto.USE, proxyproto.REJECT)
	}
	if err != nil {
		return nil, fmt.Errorf("listener: PROXY trusted peers: %w", err)
	}
	return p, nil
}

// Errors of the PROXY stage. They do not name the peer: the listener's
// log line and hooks have it beside them.
var (
	// ErrProxyHeaderMissing: Require is set and the connection did not
	// start with a header.
	ErrProxyHeaderMissing = errors.New("no PROXY protocol header, which is required here")
	// ErrProxyUntrusted: the peer is not one of the trusted load balancers
	// but sent a header, or Require is set (then it is refused before it
	// sent anything, header or not).
	ErrProxyUntrusted = errors.New("peer not trusted to send PROXY protocol headers")
	// ErrProxyHeaderCut: the client closed the connection in the middle
	// of a header. It does not wrap io.EOF: a connection closed before
	// its ClientHello is reported in those words, and this one never
	// reached its ClientHello.
	ErrProxyHeaderCut = errors.New("client closed the connection before sending a whole PROXY protocol header")
)

// read runs the stage on c, before any other: it reads the header ahead of
// the rest of the pipeline, sets c.Peer and c.Balancer from it, and puts
// back the bytes it read beyond the header. Reads fail at the connection's
// handshake deadline, timeout from accept (or sooner, at a shutdown: the
// caller rewords that case). An error says why the connection is refused.
func (p *Proxy) read(c *Conn, timeout time.Duration) error {
	tcpPeer := c.conn.RemoteAddr()
	policy, err := p.policy(proxyproto.ConnPolicyOptions{Upstream: unzoned(tcpPeer), Downstream: c.conn.LocalAddr()})
	if err != nil {
		// Only Require refuses a peer before reading: nothing says it
		// sent a header.
		return fmt.Errorf("%w, which this listener requires", ErrProxyUntrusted)
	}
	rec := &headerRecorder{r: c}
	br := bufio.NewReaderSize(rec, proxyBufSize)
	var h *proxyproto.Header
	var tlvs []proxyproto.TLV
	if err = awaitV1Line(br); err == nil {
		err = checkV2Length(br)
	}
	if err == nil {
		h, err = proxyproto.Read(br)
		err = malformed(err)
	}
	if err == nil && h.Version == 2 {
		// go-proxyproto takes a v2 header's TLV bytes as they come; a
		// TLV that runs past the header or is cut short makes the header
		// invalid, as does a CRC32C that does not match.
		if tlvs, err = h.TLVs(); err == nil {
			err = checkCRC32C(rec.b[:rec.n-br.Buffered()])
		} else {
			err = malformed(err)
		}
	}
	// Whatever was read beyond the header belongs to the next stage (the
	// ClientHello, or the HTTP request), header or not.
	if n := br.Buffered(); n > 0 {
		rest, _ := br.Peek(n)
		c.Replay(append([]byte(nil), rest...))
	}
	switch {
	case errors.Is(err, proxyproto.ErrNoProxyProtocol):
		if policy == proxyproto.REQUIRE {
			return ErrProxyHeaderMissing
		}
		return nil
	case (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) && (startsHeader(rec.b) || bytes.HasPrefix(rec.b, v1Start)):
		return ErrProxyHeaderCut
	case errors.Is(err, io.EOF) && rec.n > 0:
		// Bytes that begin no header, then the client's end: awaitV1Line
		// waited for the line of "P0", which is no header, as "X0" is
		// not, and the stage refused it with a bare "EOF" (in optional
		// mode too, where "X0" went on to the handshake).
		if policy == proxyproto.REQUIRE {
			return ErrProxyHeaderMissing
		}
		return nil
	case errors.Is(err, os.ErrDeadlineExceeded) && !p.require && rec.n == 0:
		return nothingSent{err}
	case errors.Is(err, os.ErrDeadlineExceeded):
		return fmt.Errorf("no PROXY protocol header within %v: %w", timeout, err)
	case err != nil:
		return err
	case policy == proxyproto.REJECT:
		return fmt.Errorf("PROXY protocol header refused: %w", ErrProxyUntrusted)
	}
	// The SSL TLV's client bit: the client's connection to the balancer
	// was TLS (section 2.2.5 of the specification). A LOCAL header may
	// carry it too: HAProxy 2.6 sends LOCAL, with its TLVs, for a client
	// of a unix@ bind, which it cannot name.
	if ssl, ok := tlvparse.FindSSL(tlvs); ok && ssl.ClientSSL() {
		c.ProxyTLS = true
	}
	// A LOCAL header (the balancer's own health check) and an UNKNOWN
	// one (v1 "PROXY UNKNOWN") name no client: the TCP peer stays.
	if !h.Command.IsProxy() || h.SourceAddr == nil {
		c.stages.noClient = true
		return nil
	}
	c.ProxySource = h.SourceAddr
	if isInet(h.SourceAddr) {
		c.Peer = h.SourceAddr
		c.Balancer = tcpPeer
	}
	return nil
}

// nothingSent is the deadline's error (err) where a header is optional and
// not a byte came before it: the client sent no header, which is allowed,
// so the stage does not refuse it. What failed is the handshake (or the
// request) that had to come in the same time; the listener reports it so,
// as a listener without the stage would.
type nothingSent struct{ err error }

func (e nothingSent) Error() string { return e.err.Error() }
func (e nothingSent) Unwrap() error { return e.err }

// errProxyHeaderUnread: a connection opened with a PROXY protocol header
// on a listener that reads none.
var errProxyHeaderUnread = errors.New("it opened with a PROXY protocol header, which this listener is not set to read")

// errProxyHeaderTwice: a connection went on with a second PROXY protocol
// header after the one the stage read.
var errProxyHeaderTwice = errors.New("a second PROXY protocol header came after the first, as from a client that sends its own through a load balancer that sends one too")

// unreadProxyHeader adds to err, a TLS handshake's failure, that a PROXY
// header came where the ClientHello should have, when the first five
// bytes of the record (crypto/tls's RecordHeaderError keeps them) are
// those of a v1 or v2 header: crypto/tls's own words ("first record does
// not look like a TLS handshake") do not point at it. On a listener
// without the PROXY stage (staged false) it opened the connection: a
// balancer sending headers to a server not set to read them is the most
// common mistake behind one. With the stage, which read any header that
// opened the connection, it is a second one: a client sending its own
// (tlsecho client -proxy-v2) through a balancer. Otherwise err is
// returned as is.
func unreadProxyHeader(err error, staged bool) error {
	var rh tls.RecordHeaderError
	if !errors.As(err, &rh) {
		return err
	}
	if b := rh.RecordHeader[:]; bytes.Equal(b, []byte("PROXY")) || bytes.Equal(b, proxyproto.SIGV2[:len(b)]) {
		if staged {
			return fmt.Errorf("%w: %w", err, errProxyHeaderTwice)
		}
		return fmt.Errorf("%w: %w", err, errProxyHeaderUnread)
	}
	return err
}

// malformed says that go-proxyproto found the header malformed; its own
// words ("proxyproto: ...") follow. The errors of the reads stay as they
// are: the deadline, the client's end (a close, also one that cuts the
// addresses short, or a reset): go-proxyproto wraps those too, and a
// header cut short was not malformed as far as it came.
func malformed(err error) error {
	var oe *net.OpError
	if err == nil || errors.Is(err, proxyproto.ErrNoProxyProtocol) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &oe) {
		return err
	}
	return fmt.Errorf("malformed PROXY protocol header: %w", err)
}

// startsHeader reports whether b, the first bytes of a connection, begin
// a v1 or a v2 header as far as they go.
func startsHeader(b []byte) bool {
	for _, sig := range [][]byte{[]byte("PROXY "), proxyproto.SIGV2} {
		n := min(len(b), len(sig))
		if n > 0 && bytes.Equal(b[:n], sig[:n]) {
			return true
		}
	}
	return false
}

// v1Start is what go-proxyproto reads a v1 header by: "PROXY0\r\n" is a
// malformed one to it, so "PROXY0" and the end is one cut short.
var v1Start = []byte("PROXY")

// maxV1Header is the longest v1 header, CRLF included (the PROXY
// protocol specification, section 2.1).
const maxV1Header = 107

// awaitV1Line waits, when the input starts with a v1 header, until br
// holds its whole line (or the longest a header may be): go-proxyproto
// parses a v1 header only from bytes read already, and drops one that
// arrived in more than one TCP segment. The specification lets a receiver
// do that, but here the header may take until the connection's deadline,
// which bounds a client that sends one slowly. Errors are those of the
// reads: the deadline, the client's end.
func awaitV1Line(br *bufio.Reader) error {
	if b, err := br.Peek(1); err != nil || b[0] != 'P' {
		return nil // not a v1 header, or nothing: the parser says which
	}
	for {
		b, _ := br.Peek(br.Buffered())
		if len(b) >= 5 && string(b[:5]) != "PROXY" || bytes.IndexByte(b, '\n') >= 0 || len(b) >= maxV1Header {
			return nil
		}
		if _, err := br.Peek(len(b) + 1); err != nil {
			return err
		}
	}
}

// errV2TooLong: a v2 header longer than go-proxyproto accepts.
var errV2TooLong = errors.New("PROXY protocol v2 header too long")

// checkV2Length refuses, when the input starts with a v2 header, one
// whose length field (the bytes of addresses and TLVs after the first
// 16) is over go-proxyproto's MaxV2HeaderSize, 4096 bytes: the parser
// refuses those as "invalid length", which does not tell an operator
// that the header itself was sound but too long for this server. It
// waits for no byte the parser would not wait for (a client that sends a
// few bytes and then waits for an answer is not held up), and leaves the
// errors of the reads to the parser, which meets them again.
func checkV2Length(br *bufio.Reader) error {
	for _, n := range []int{1, len(proxyproto.SIGV2)} {
		if b, err := br.Peek(n); err != nil || !bytes.Equal(b, proxyproto.SIGV2[:n]) {
			return nil
		}
	}
	b, err := br.Peek(16)
	if err != nil {
		return nil
	}
	if n := binary.BigEndian.Uint16(b[14:16]); n > proxyproto.MaxV2HeaderSize {
		return fmt.Errorf("%w: %d bytes of addresses and TLVs, over the %d bytes accepted", errV2TooLong, n, proxyproto.MaxV2HeaderSize)
	}
	return nil
}

// unzoned returns a without its IPv6 zone. go-proxyproto's policies
// parse the peer's address with net.ParseIP, which takes no zone, and
// fail on a link-local peer (fe80::7%eth0), which the stage would refuse
// as untrusted even when the header is optional and any peer trusted.
// Trusted entries carry no zone either, so the address alone is compared.
func unzoned(a net.Addr) net.Addr {
	if t, ok := a.(*net.TCPAddr); ok && t.Zone != "" {
		return &net.TCPAddr{IP: t.IP, Port: t.Port}
	}
	return a
}

// isInet reports whether a is an IP address and port, the only kind of
// client address tlsecho reports (a v2 header may carry a Unix socket).
func isInet(a net.Addr) bool {
	_, ok := a.(*net.TCPAddr)
	return ok
}
