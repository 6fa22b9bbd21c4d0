package tlsinfo

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/tlsecho/tlsecho/internal/jsontext"
)

// DefaultRecent is how many handshakes a [Recent] keeps when its size is
// zero.
const DefaultRecent = 100

// Record is one handshake as /hellos lists it: when, on which listener,
// from whom, how it ended, and what the client offered.
type Record struct {
	// Time is when the handshake ended, succeeded or failed; zero is
	// taken as the moment [Recent.Add] records it. The list is newest
	// first by that end, so the times read in the same order: a client
	// that connected first and finished last is listed first.
	Time time.Time
	// Listener names the listener: "tls" or "https".
	Listener string
	// Peer is the client's address (from the PROXY header when one was
	// used), nil when unknown. It is kept as it came and written as
	// host:port only when /hellos is read: a handshake costs no string.
	Peer net.Addr
	// Err is the handshake's failure, nil when it succeeded.
	Err error
	// Resumed tells a handshake that resumed a session (a ticket or
	// session ID the client held) from a full one: the hello alone does
	// not say whether the server took the offer.
	Resumed bool
	// Hello is what the client offered; nil when its first bytes were not
	// a ClientHello, or when its records ran past what the read takes.
	Hello *ClientHello
	// HelloTooThin tells a hello whose records ran past [MaxHelloBytes]
	// ([ErrHelloTooThin]) from no hello at all: crypto/tls may have taken
	// it, and the outcome says why it is not shown.
	HelloTooThin bool
	// CertificateKey is the key type of the server's certificate, zero
	// when unknown: it tells which TLS 1.2 suites the server could take,
	// for the outcome of a client refused for want of one.
	CertificateKey x509.PublicKeyAlgorithm
	// CertificateCurve names the curve of an ECDSA CertificateKey
	// ("P-256", "P-384", "P-521"), empty when unknown: TLS 1.3's ECDSA
	// schemes are each for one curve, and the outcome of a client none
	// of whose schemes is for the key's says which curve that is.
	CertificateCurve string
}

// Outcome is "ok" or the failure in words. Where crypto/tls lists
// version or cipher suite numbers ("[301]", "[2f ff]"), the hello's are
// named instead; where it says only "EOF" (or that the connection was
// reset), who closed and when is said;
// where it says "error decoding message" of a hello with an extension
// sent twice or one whose contents it refuses, which one is said (and
// what is wrong with it); an SSLv2-compatible hello is said to be one;
// where a TLS 1.2 client is refused for want of a suite because it
// shares no group with the server, or offers suites for the other kind
// of certificate key, that is said; where none of the client's signature
// algorithms signs with the certificate's key, the key and the algorithms
// are named; a hello spread too thin to be described is said to be one,
// also behind "ok".
func (r *Record) Outcome() string {
	s := r.outcome()
	if r.HelloTooThin {
		s += "; the ClientHello is not described: " + strings.TrimPrefix(ErrHelloTooThin.Error(), "tlsinfo: ")
	}
	return s
}

func (r *Record) outcome() string {
	if s, ok := r.closedOutcome(); ok {
		return s
	}
	s := Outcome(r.Err)
	if r.Hello != nil && r.Hello.SSLv2 && r.Err != nil {
		return sslv2Outcome(r.Hello, s)
	}
	const unsupported = "client offered only unsupported versions"
	if r.Hello != nil && strings.HasPrefix(s, unsupported) {
		versions := r.Hello.SupportedVersions
		if versions == nil {
			versions = []uint16{r.Hello.LegacyVersion}
		}
		s = unsupported + ": " + offered(versions, VersionName)
	}
	if words, ok := r.Hello.extensionRefusal(); ok && strings.HasSuffix(s, "error decoding message") {
		s = words + " (" + s + ")"
	}
	if r.Hello != nil && strings.HasSuffix(s, noSignatureAlgorithm) {
		s += keyWithoutAlgorithm(r.Hello, r.CertificateKey, r.CertificateCurve)
	}
	const noSuite = "no cipher suite supported by both client and server; client offered"
	if r.Hello != nil && strings.HasPrefix(s, noSuite) {
		s = noSuite + ": " + offered(r.Hello.CipherSuites, CipherSuiteName)
		if why := noSharedGroup(r.Hello); why != "" {
			s += why
		} else {
			s += wrongKey(r.Hello, r.CertificateKey)
		}
	}
	return s
}

// closedOutcome words a client that closed the connection during the
// handshake, which crypto/tls reports as Go's "EOF" or "unexpected EOF":
// a TCP probe of a load balancer, a client that gave up on the
// certificate without an alert, one cut off mid-hello. Whether its hello
// arrived tells these apart (a hello too thin to describe does not say).
// A client that closes with the server's answer still unread makes its
// kernel send a reset instead of a FIN (a scanner, a check that sends a
// hello and leaves; SO_LINGER 0 does the same), which crypto/tls passes on as Go's "read tcp A->B: read:
// connection reset by peer": that is a close too.
func (r *Record) closedOutcome() (string, bool) {
	if !errors.Is(r.Err, io.EOF) && !errors.Is(r.Err, io.ErrUnexpectedEOF) && !errors.Is(r.Err, syscall.ECONNRESET) {
		return "", false
	}
	if r.HelloTooThin {
		// Its hello was not read to the end here, and crypto/tls's EOF
		// does not say whether all of it came.
		return "client closed the connection during the handshake", true
	}
	if r.Hello == nil {
		return "client closed the connection before sending a whole ClientHello", true
	}
	return "client closed the connection after its ClientHello, before the handshake finished", true
}

// sslv2Outcome words the refusal of an SSLv2-compatible hello, which
// crypto/tls gives as "unsupported SSLv2 handshake received" (or, for a
// hello over 255 bytes, "first record does not look like a TLS
// handshake"): what the client sent, and that crypto/tls takes nothing
// but TLS records, with its words after.
func sslv2Outcome(h *ClientHello, words string) string {
	s := "client sent an SSLv2-compatible ClientHello (the SSL 2.0 format of RFC 5246 appendix E.2, offering " +
		offered([]uint16{h.LegacyVersion}, VersionName) + "), which crypto/tls refuses: it takes TLS records only (" + words + ")"
	switch {
	case h.sslv2Only == 1:
		s += "; 1 of its cipher specs is SSL 2.0's own, which TLS has no number for, and is not listed"
	case h.sslv2Only > 1:
		s += "; " + strconv.Itoa(h.sslv2Only) + " of its cipher specs are SSL 2.0's own, which TLS has no number for, and are not listed"
	}
	return s
}

// offered names the versions or cipher suites of a hello for an outcome,
// GREASE left out. A list of nothing but GREASE (a client exercising RFC
// 8701, or a broken one) is said so, with the values, rather than named
// as an empty list. A value without a name keeps its number (a TLS 1.3
// draft, 0x7f1c): crypto/tls's own words had it.
func offered(values []uint16, nameOf func(uint16) string) string {
	var names, grease []string
	for _, v := range values {
		switch name := nameOf(v); {
		case IsGREASE(v):
			grease = append(grease, "0x"+hex4(v))
		case name == "unknown":
			names = append(names, "unknown (0x"+hex4(v)+")")
		default:
			names = append(names, name)
		}
	}
	switch {
	case len(names) > MaxListed:
		// As the lists of /hellos are cut: a hello testing a server's
		// limits holds tens of thousands.
		return strings.Join(names[:MaxListed], ", ") + " and " + strconv.Itoa(len(names)-MaxListed) + " more"
	case len(names) > 0:
		return strings.Join(names, ", ")
	case len(grease) > 0:
		return "GREASE only (" + strings.Join(grease, ", ") + ")"
	}
	return "none"
}

// Outcome words a handshake's end: "ok" for nil, else the error without
// the "tls: " prefixes, which say nothing to a reader of /hellos.
func Outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return "timed out: " + strings.TrimPrefix(err.Error(), "tls: ")
	}
	s := err.Error()
	s = strings.ReplaceAll(s, "tls: ", "")
	return s
}

// record is the JSON form: the fields of the hello beside the handshake's.
type record struct {
	Time     string `json:"time"`
	Listener string `json:"listener"`
	Peer     string `json:"peer"`
	Outcome  string `json:"outcome"`
	Resumed  bool   `json:"resumed"`
	*Hello
}

// MarshalJSON encodes r with the hello's fields at the top level. A
// record without a hello (the client's first bytes were not one, or a
// PROXY header was refused before any) has them all the same, empty, so
// every entry has one shape.
func (r Record) MarshalJSON() ([]byte, error) {
	h := DescribeHello(r.Hello)
	if h == nil {
		h = emptyHello()
	}
	return json.Marshal(record{
		Time:     r.Time.UTC().Format(time.RFC3339),
		Listener: r.Listener,
		Peer:     addrString(r.Peer),
		Outcome:  r.Outcome(),
		Resumed:  r.Resumed,
		Hello:    h,
	})
}

// addrString is a as host:port, "" for nil.
func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// Recent keeps the last handshakes of every listener in a ring. It holds
// parsed hellos, not their descriptions, so its memory stays within
// Size times about the largest hello, 64 KiB, whatever clients send (a
// parsed hello takes about its size on the wire); descriptions are made
// when asked for. Safe for concurrent use; the zero value keeps
// [DefaultRecent].
type Recent struct {
	// Size is how many records are kept; zero means DefaultRecent. It
	// must not change once records are added.
	Size int

	mu   sync.Mutex
	ring []Record
	next int // where the next record goes once the ring is full
}

// Add records one handshake, dropping the oldest when full. A zero
// Time is set to now, read under the lock: two handshakes ending at once
// are then listed in the order of their times.
func (r *Recent) Add(rec Record) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	size := r.Size
	if size <= 0 {
		size = DefaultRecent
	}
	if len(r.ring) < size {
		r.ring = append(r.ring, rec)
		return
	}
	r.ring[r.next] = rec
	r.next = (r.next + 1) % size
}

// List returns the records, newest first; listener, when not empty, keeps
// only that listener's.
func (r *Recent) List(listener string) []Record {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Record, 0, len(r.ring))
	for i := range len(r.ring) {
		// Newest is just before next (or at the end while filling).
		j := (r.next - 1 - i + 2*len(r.ring)) % len(r.ring)
		if len(r.ring) < r.size() {
			j = len(r.ring) - 1 - i
		}
		if listener == "" || r.ring[j].Listener == listener {
			out = append(out, r.ring[j])
		}
	}
	return out
}

func (r *Recent) size() int {
	if r.Size <= 0 {
		return DefaultRecent
	}
	return r.Size
}

// ServeHTTP answers GET with the records as a JSON array, newest first;
// the query parameter listener=tls|https filters ("wss" is taken for
// "https", as /faults takes it). A query that does not read whole, or a
// listener given more than once, gets 400, as POST /faults answers a
// repeated parameter: Query().Get would keep the first without a word,
// and listener=tls&listener=https read as "both" would list tls alone.
func (r *Recent) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "tlsinfo: /hellos answers GET only", http.StatusMethodNotAllowed)
		return
	}
	// URL.Query drops a pair it cannot read (a ";" separator, a bad
	// %-escape) without a word: ?listener=tls; listed both listeners.
	query, err := url.ParseQuery(req.URL.RawQuery)
	if err != nil {
		http.Error(w, "tlsinfo: query: "+err.Error()+"; write it as ?listener=tls or ?listener=https", http.StatusBadRequest)
		return
	}
	if n := len(query["listener"]); n > 1 {
		http.Error(w, "tlsinfo: listener: given "+strconv.Itoa(n)+" times; give it once, or leave it out for both listeners", http.StatusBadRequest)
		return
	}
	listener := strings.ToLower(strings.TrimSpace(query.Get("listener")))
	switch listener {
	case "", "tls", "https":
	case "wss":
		// The wss echo's listener, as POST /faults also takes it.
		listener = "https"
	default:
		http.Error(w, "tlsinfo: listener must be tls or https (also written wss), not "+strconv.Quote(listener), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	writeIndented(w, r.List(listener))
}

// writeIndented writes records as one indented JSON array, a record at a
// time: a ClientHello may hold tens of thousands of values (a 64 KiB one,
// 32,000 cipher suites), each a few dozen bytes described, so a full
// list built at once could take hundreds of megabytes per request. Here
// a request holds one record's description at a time.
func writeIndented(w io.Writer, records []Record) {
	sep := "[\n  "
	for _, rec := range records {
		// A record always encodes: it holds strings and numbers only.
		b, _ := json.MarshalIndent(rec, "  ", "  ")
		// What the client sent (an SNI, ALPN names) may hold
		// characters that reorder or hide text in a browser's view.
		b = jsontext.Escape(b)
		if _, err := io.WriteString(w, sep); err != nil {
			return
		}
		if _, err := w.Write(b); err != nil {
			return
		}
		sep = ",\n  "
	}
	if len(records) == 0 {
		io.WriteString(w, "[]\n")
		return
	}
	io.WriteString(w, "\n]\n")
}
