package tlsinfo

import (
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
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
	// CertificateKeyName is the key as [KeyName] writes it everywhere
	// else ("ECDSA P-256", "RSA-2048", "Ed25519"), empty when unknown:
	// TLS 1.3's ECDSA schemes are each for one curve, and the outcome
	// of a client none of whose schemes is for the key's says which
	// curve that is.
	CertificateKeyName string
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
// when asked for, and shared by the answers that are writing them at the
// time (see shown). Safe for concurrent use; the zero value keeps
// [DefaultRecent].
type Recent struct {
	// Size is how many records are kept; zero means DefaultRecent. It
	// must not change once records are added.
	Size int

	mu   sync.Mutex
	ring []*shown
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
		r.ring = append(r.ring, &shown{rec: rec})
		return
	}
	r.ring[r.next] = &shown{rec: rec}
	r.next = (r.next + 1) % size
}

// List returns the records, newest first; listener, when not empty, keeps
// only that listener's.
func (r *Recent) List(listener string) []Record {
	list := r.list(listener)
	out := make([]Record, len(list))
	for i, s := range list {
		out[i] = s.rec
	}
	return out
}

// list is List with each record's shared description.
func (r *Recent) list(listener string) []*shown {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]*shown, 0, len(r.ring))
	for i := range len(r.ring) {
		// Newest is just before next (or at the end while filling).
		j := (r.next - 1 - i + 2*len(r.ring)) % len(r.ring)
		if len(r.ring) < r.size() {
			j = len(r.ring) - 1 - i
		}
		if listener == "" || r.ring[j].rec.Listener == listener {
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
	writeIndented(w, r.list(listener))
}

// writeIndented writes records as one indented JSON array, a record at a
// time: a ClientHello may hold tens of thousands of values (a 64 KiB one,
// 32,000 cipher suites), each a few dozen bytes described, so a full
// list built at once could take hundreds of megabytes per request. Here
// a request holds one record's description at a time, and shares it with
// the other answers writing it (shown.indented).
func writeIndented(w io.Writer, records []*shown) {
	sep := "[\n  "
	for _, rec := range records {
		d := rec.indented()
		if _, err := io.WriteString(w, sep); err != nil {
			return
		}
		_, err := w.Write(d.b)
		// d must live until the write is done, or its weak pointer
		// would let the next answer make a copy of its own meanwhile.
		runtime.KeepAlive(d)
		if err != nil {
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
