package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Source is the one place both listeners take their certificate from.
// Create it with [NewSelfSigned], [LoadFiles] or [NewStatic].
type Source struct {
	current  atomic.Pointer[tls.Certificate]
	certFile string
	keyFile  string
	ca       clientCAs
	// reloadMu serializes reloads, so a slow one that read the files
	// earlier can never replace the pair a later one stored.
	reloadMu sync.Mutex
	// pairRefused and caRefused keep a refusal repeated on unchanged
	// files from being logged as an error again.
	pairRefused, caRefused refusals
	// reloads counts the outcomes of the pair's reloads (ReloadStats),
	// caReloads those of the client CA file's (ClientCAReloadStats).
	reloads, caReloads reloadCounts
	// debounce replaces WatchDebounce when not zero, so a test can give
	// "two writes a moment apart" a window no loaded machine overruns.
	debounce time.Duration
	// watches are those of the running [Source.Watch] calls. Every
	// reload refreshes them, a SIGHUP's too, so that one brings back a
	// watch lost with a file the watch itself did not see come back.
	watchMu sync.Mutex
	watches map[*dirWatch]struct{}
}

// NewSelfSigned makes a Source with a fresh self-signed ECDSA P-256
// certificate for hosts, kept in memory only.
func NewSelfSigned(hosts []string) (*Source, error) {
	g, err := Generate(GenerateOptions{Hosts: hosts})
	if err != nil {
		return nil, err
	}
	return NewStatic(g.Cert), nil
}

// NewStatic makes a Source that always serves cert. cert.Leaf should be set;
// it is parsed here if not.
func NewStatic(cert *tls.Certificate) *Source {
	if cert.Leaf == nil && len(cert.Certificate) > 0 {
		cert.Leaf, _ = x509.ParseCertificate(cert.Certificate[0])
	}
	s := &Source{}
	s.current.Store(cert)
	s.reloads.loadedNow()
	return s
}

// LoadFiles makes a Source from a PEM certificate (optionally followed by
// its chain) and a PEM private key. It fails, naming the file, when either
// cannot be read or parsed, or when the key does not belong to the
// certificate.
func LoadFiles(certFile, keyFile string) (*Source, error) {
	cert, err := loadPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	s := &Source{certFile: certFile, keyFile: keyFile}
	s.current.Store(cert)
	s.reloads.loadedNow()
	return s, nil
}

// Files returns the certificate and key paths of a file-backed Source, or
// empty strings for one in memory.
func (s *Source) Files() (certFile, keyFile string) { return s.certFile, s.keyFile }

// Reload reads the files again and, only if the new pair is valid, makes
// it the one served to new handshakes; the client CA file of
// [Source.RequireClientCerts] likewise. On error the old certificate or
// pool stays. A Source without files has nothing to reload and returns nil.
// Like [Source.ReloadAndLog], it sets the watches of [Source.Watch] up anew.
func (s *Source) Reload() error {
	s.refreshWatches()
	_, _, err := s.reload()
	_, _, caErr := s.reloadCAs()
	return errors.Join(err, caErr)
}

// reload is Reload that also returns the certificate it replaced and the
// one now served (both nil for a Source without files or on error). It
// counts the outcome in ReloadStats.
func (s *Source) reload() (old, cur *tls.Certificate, err error) {
	if s.certFile == "" {
		return nil, nil, nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cert, err := loadPair(s.certFile, s.keyFile)
	s.reloads.note(err)
	if err != nil {
		return nil, nil, err
	}
	return s.current.Swap(cert), cert, nil
}

// loadPair reads and checks a PEM pair.
func loadPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := readPEMFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("certs: read certificate: %w", err)
	}
	keyPEM, err := readPEMFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("certs: read key: %w", err)
	}
	return parsePair(certPEM, keyPEM, certFile, keyFile)
}

// parsePair checks the PEM contents of certFile and keyFile. Errors name
// the files at fault: tls.X509KeyPair alone says "private key does not
// match public key" without saying which files were meant.
func parsePair(certPEM, keyPEM []byte, certFile, keyFile string) (*tls.Certificate, error) {
	// tls.X509KeyPair serves what it decoded up to the first block that
	// does not decode, with no error (and pem.Decode skips a corrupt
	// block to the next one): a chain file read while still being written
	// would lose its intermediates, and clients could not verify the leaf.
	if n, blocks := pemBlocks(certPEM); n < blocks {
		return nil, fmt.Errorf("certs: load pair %s and %s: only %d of the %d PEM blocks in %s decode (cut short or corrupt)", certFile, keyFile, n, blocks, certFile)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if p := keyProblem(keyPEM, keyFile); p != "" {
			err := fmt.Errorf("certs: load pair %s and %s: %s: %s", certFile, keyFile, keyFile, p)
			if encryptedKey(keyPEM) {
				err = &encryptedKeyError{msg: err.Error()}
			}
			return nil, err
		}
		return nil, fmt.Errorf("certs: load pair %s and %s: %w", certFile, keyFile, err)
	}
	if p := unservableKey(cert.PrivateKey); p != "" {
		return nil, fmt.Errorf("certs: load pair %s and %s: %s: %s", certFile, keyFile, keyFile, p)
	}
	if err := checkChainSize(&cert, certFile); err != nil {
		return nil, fmt.Errorf("certs: load pair %s and %s: %w", certFile, keyFile, err)
	}
	// Go 1.23+ fills Leaf; be explicit so older behaviour cannot bite.
	if cert.Leaf == nil {
		if cert.Leaf, err = x509.ParseCertificate(cert.Certificate[0]); err != nil {
			return nil, fmt.Errorf("certs: parse %s: %w", certFile, err)
		}
	}
	return &cert, nil
}

// pemBlocks returns how many PEM blocks of data decode and how many begin
// in it. pem.Decode passes over a block it cannot decode, and so does
// x509.CertPool.AppendCertsFromPEM, without a word: decoded < begun says
// a block was cut short or is corrupt.
func pemBlocks(data []byte) (decoded, begun int) {
	begun = bytes.Count(data, []byte("-----BEGIN"))
	for rest := data; ; decoded++ {
		var block *pem.Block
		if block, rest = pem.Decode(rest); block == nil {
			return decoded, begun
		}
	}
}

// Certificate returns the certificate served now.
func (s *Source) Certificate() *tls.Certificate { return s.current.Load() }

// Leaf returns the parsed leaf certificate served now.
func (s *Source) Leaf() *x509.Certificate { return s.current.Load().Leaf }

// GetCertificate serves the current certificate whatever the client asks
// for: a test server answers every name rather than failing the handshake.
// It has the signature of tls.Config.GetCertificate.
func (s *Source) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return s.current.Load(), nil
}

// Options are the TLS settings shared by all listeners.
type Options struct {
	// MinVersion is tls.VersionTLS12 or tls.VersionTLS13; zero means 1.2.
	MinVersion uint16
}

// aeadSuites are the TLS 1.2 suites offered: forward secret and AEAD only.
// TLS 1.3 suites are fixed by Go and all AEAD.
var aeadSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
}

// TLSConfig returns a new server configuration drawing its certificate
// from s, and requiring client certificates when [Source.RequireClientCerts]
// was called. A session resumes only while the certificate it was made
// with is served: after a reload that changed it, its client does a full
// handshake and sees the new one. Each listener gets its own copy to add, say, ALPN protocols
// to; with client certificates required it must not set
// GetConfigForClient, which carries the reloaded client CA pool.
func (s *Source) TLSConfig(opts Options) *tls.Config {
	minV := opts.MinVersion
	if minV == 0 {
		minV = tls.VersionTLS12
	}
	cfg := &tls.Config{
		MinVersion:     minV,
		CipherSuites:   append([]uint16(nil), aeadSuites...),
		GetCertificate: s.GetCertificate,
	}
	s.tagSessions(cfg)
	if s.ca.file != "" {
		s.requireClientCerts(cfg)
	}
	return cfg
}
