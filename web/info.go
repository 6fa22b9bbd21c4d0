package web

import (
	"crypto/x509"
	"encoding/json"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"github.com/tlsecho/tlsecho/fault"
	"github.com/tlsecho/tlsecho/internal/jsontext"
	"github.com/tlsecho/tlsecho/tlsinfo"
)

// InfoHandler answers GET with a JSON description of the server as this
// client sees it: the certificate presented, the TLS version and cipher of
// this connection, the verified client certificate (mTLS), the WebSocket
// settings and how to reach the raw TLS port. The page shows it so a user
// can tell at a glance which certificate and protocol a browser got.
//
// Every field is optional; the zero InfoHandler reports only the
// connection. Fields must not change once it serves.
type InfoHandler struct {
	// Certificate returns the certificate the server presents now. It is
	// called on every request, so a reloaded certificate shows at once.
	Certificate func() *x509.Certificate
	// Compression tells whether /ws negotiates permessage-deflate.
	Compression bool
	// MaxMessageBytes is the largest WebSocket message /ws accepts.
	MaxMessageBytes int64
	// ClientAuth tells whether clients must present a certificate (mTLS).
	ClientAuth bool
	// ClientHello returns the ClientHello of the request's connection, nil
	// when it is not known (the plain HTTP listener).
	ClientHello func(r *http.Request) *tlsinfo.ClientHello
	// RawTLSAddr returns the bound address of the raw TLS listener. It is
	// a func because the listener is bound after the handler is built.
	// Its port is used, and its IP when it is a specific one; on a
	// wildcard address, the host the client asked for.
	RawTLSAddr func() net.Addr
	// Faults describes the faults a connection may ask for (the page's
	// Faults field is built from it); the zero Catalog when not set.
	Faults fault.Catalog
	// Balancer returns the load balancer that sent the request's
	// connection a PROXY protocol header, or nil.
	Balancer func(r *http.Request) net.Addr
	// UpstreamTLS reports whether the load balancer that sent the
	// request's connection a PROXY protocol header said the client
	// reached it over TLS (which it then ended); nil: never.
	UpstreamTLS func(r *http.Request) bool
	// ProxyRequired tells that the raw TLS port closes every connection
	// that does not open with a PROXY protocol header: the commands
	// suggested for it then send one (see [RawTLSCommands]).
	ProxyRequired bool

	// held is the bytes of large answers being written now, and
	// largeBudget their bound (0: largeInfoBudget; set by tests).
	held        atomic.Int64
	largeBudget int64
}

// An /info answer describes the client's own ClientHello, and a large
// hello makes an answer of a few hundred KiB (32,000 cipher suites give
// fingerprint strings of 350 KB; 61 KB of ALPN names in control bytes,
// each escaped to six, 370 KB), which the server holds until the client
// has read it or the answer's write deadline (TLSECHO_HANDSHAKE_TIMEOUT
// plus TLSECHO_IDLE_TIMEOUT) has passed. 1,000 clients that asked and read
// nothing took 520 MB; at TLSECHO_MAX_CONNS that is gigabytes. So the
// answers over largeInfo being written at once share largeInfoBudget
// bytes per listener; past it a large one gets 503, and Retry-After
// (holdLarge). A browser's answer is about 14 KB and is never refused.
const (
	largeInfo       = 64 << 10
	largeInfoBudget = 16 << 20
)

// info is the JSON document; its field names are what app.js reads. The
// certificates, the connection and the hello are tlsinfo's descriptions,
// the same that every other surface shows.
type info struct {
	Certificate       *tlsinfo.Certificate `json:"certificate"`
	TLS               *tlsinfo.Connection  `json:"tls"`
	ClientCertificate *tlsinfo.Certificate `json:"client_certificate"`
	ClientAuth        bool                 `json:"client_auth"`
	ClientHello       *tlsinfo.Hello       `json:"client_hello"`
	WebSocket         wsInfo               `json:"websocket"`
	RawTLS            *rawTLSInfo          `json:"raw_tls"`
	Faults            fault.Catalog        `json:"faults"`
	Client            clientInfo           `json:"client"`
}

// clientInfo says who the server sees asking, and how the request came.
type clientInfo struct {
	// Address is the client: from a PROXY header or a trusted proxy's
	// X-Forwarded-For when there was one, else the TCP peer.
	Address string `json:"address"`
	// Balancer sent the connection's PROXY header; Proxy is the trusted
	// HTTP proxy that forwarded the request ([Forwarded]).
	Balancer string `json:"balancer,omitempty"`
	Proxy    string `json:"proxy,omitempty"`
	// Scheme is what the client used: "https", or "http" when TLS was
	// used on no hop the server knows of.
	Scheme string `json:"scheme"`
	// TLSTerminatedUpstream: the client used https, and a proxy in front
	// ended TLS and forwarded plain HTTP.
	TLSTerminatedUpstream bool `json:"tls_terminated_upstream"`
}

// wsInfo is the settings of /ws the page shows, and the message limit it
// names when the server closes a message as too big.
type wsInfo struct {
	Compression     bool  `json:"compression"`
	MaxMessageBytes int64 `json:"max_message_bytes"`
}

// rawTLSInfo is how to reach the raw TLS port ([RawTLS]), and whether it
// requires a PROXY header, for the page's hint.
type rawTLSInfo struct {
	Host string `json:"host"`
	Port int    `json:"port"`
	// OpenSSL is left out when the commands go straight to a port that
	// requires a PROXY header, which openssl s_client cannot send.
	OpenSSL       string `json:"openssl,omitempty"`
	Client        string `json:"tlsecho"`
	ProxyRequired bool   `json:"proxy_header_required,omitempty"`
}

// ServeHTTP implements http.Handler.
func (h *InfoHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	setSecurityHeaders(hdr, answerCSP)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hdr.Set("Allow", "GET, HEAD")
		http.Error(w, "web: /info answers GET only", http.StatusMethodNotAllowed)
		return
	}
	doc := info{
		ClientAuth: h.ClientAuth,
		WebSocket:  wsInfo{Compression: h.Compression, MaxMessageBytes: h.MaxMessageBytes},
		Faults:     h.Faults,
	}
	if h.Certificate != nil {
		doc.Certificate = tlsinfo.DescribeCertificate(h.Certificate())
	}
	if cs := r.TLS; cs != nil {
		doc.TLS = tlsinfo.DescribeConnection(cs)
		// VerifiedChains is set only when the certificate checked out
		// against the client CA pool; an unverified one is not reported.
		if len(cs.VerifiedChains) > 0 && len(cs.VerifiedChains[0]) > 0 {
			doc.ClientCertificate = tlsinfo.DescribeCertificate(cs.VerifiedChains[0][0])
		}
	}
	if h.ClientHello != nil {
		doc.ClientHello = tlsinfo.DescribeHello(h.ClientHello(r))
	}
	if h.RawTLSAddr != nil {
		// A request that came through a load balancer (its PROXY
		// header named a client) is answered with the commands that
		// work through the balancer, which sends the raw port its
		// header too when it fronts it: a -proxy-v2 command sent
		// there would arrive with two headers. Straight to this
		// server the port needs one, as the page's hint says.
		behind := h.Balancer != nil && h.Balancer(r) != nil
		doc.RawTLS = rawTLS(r.Host, h.RawTLSAddr(), h.ProxyRequired && !behind)
		if doc.RawTLS != nil {
			doc.RawTLS.ProxyRequired = h.ProxyRequired
		}
	}
	doc.Client = h.describeClient(r)
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		http.Error(w, "web: encode info: "+err.Error(), http.StatusInternalServerError)
		return
	}
	// What the client sent (its SNI, ALPN names, headers) may hold
	// characters that reorder or hide text where the page shows it.
	body = jsontext.Escape(body)
	body = append(body, '\n')
	if n := int64(len(body)); n > largeInfo {
		if !h.holdLarge(n) {
			hdr.Set("Retry-After", "5")
			http.Error(w, "web: too many large /info answers are being written now (this one, describing your ClientHello, is "+
				strconv.FormatInt(n, 10)+" bytes); try again later", http.StatusServiceUnavailable)
			return
		}
		defer h.held.Add(-n)
	}
	hdr.Set("Content-Type", "application/json; charset=utf-8")
	// It describes this very connection, so no cache may reuse it.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

// holdLarge counts a large answer of n bytes among those being written,
// unless that would take them past their budget (largeInfoBudget, or
// largeBudget when set).
func (h *InfoHandler) holdLarge(n int64) bool {
	budget := h.largeBudget
	if budget <= 0 {
		budget = largeInfoBudget
	}
	if h.held.Add(n) > budget {
		h.held.Add(-n)
		return false
	}
	return true
}

// describeClient says who asked and over what: a hop in front that ended
// TLS is known only by a PROXY header's SSL bit or a trusted proxy's
// X-Forwarded-Proto, since the request itself then came in plain HTTP.
func (h *InfoHandler) describeClient(r *http.Request) clientInfo {
	c := clientInfo{Address: r.RemoteAddr, Scheme: "http"}
	if r.TLS != nil {
		c.Scheme = "https"
	}
	if h.Balancer != nil {
		if b := h.Balancer(r); b != nil {
			c.Balancer = b.String()
		}
	}
	// A balancer that ends TLS in TCP mode cannot add X-Forwarded-Proto;
	// its PROXY header says so instead.
	if r.TLS == nil && h.UpstreamTLS != nil && h.UpstreamTLS(r) {
		c.Scheme, c.TLSTerminatedUpstream = "https", true
	}
	if hop := ForwardedFrom(r.Context()); hop != nil {
		c.Proxy = hop.Proxy
		if hop.Proto == "https" && r.TLS == nil {
			c.Scheme, c.TLSTerminatedUpstream = "https", true
		}
	}
	return c
}
