package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"
)

// clientCAs is the trust anchor for client certificates (mTLS): a PEM file
// of CA certificates, reloaded with the pair.
type clientCAs struct {
	file string
	cur  atomic.Pointer[caPool]
	// swapped gets a value, without waiting, each time a reload swaps
	// cur, for the watch on the CAs' dates (clientcaexpiry.go).
	swapped chan struct{}
}

// caPool is one loaded version of the client CA file.
type caPool struct {
	pool     *x509.CertPool
	sum      [sha256.Size]byte // of the certificates, to tell a real change
	subjects []string
	cas      []*x509.Certificate // for their dates (clientcadates.go)
}

// RequireClientCerts makes every listener configured by [Source.TLSConfig]
// after it require a client certificate that verifies against the CA
// certificates in file (mTLS). The file is reloaded with the pair, by
// [Source.Reload], [Source.ReloadAndLog] and [Source.Watch], and new
// handshakes on every such listener use the pool loaded last. A file that
// cannot be read or holds no certificate is an error naming it, and s is
// left as it was. Call it once, before TLSConfig.
func (s *Source) RequireClientCerts(file string) error {
	p, err := loadClientCAs(file)
	if err != nil {
		return err
	}
	s.ca.file = file
	s.ca.cur.Store(p)
	s.caReloads.loadedNow()
	s.ca.swapped = make(chan struct{}, 1)
	return nil
}

// ClientCAFile returns the file given to [Source.RequireClientCerts], or
// the empty string when client certificates are not required.
func (s *Source) ClientCAFile() string { return s.ca.file }

// ClientCAs returns the client CA pool that new handshakes verify
// against, or nil when client certificates are not required.
func (s *Source) ClientCAs() *x509.CertPool {
	if p := s.ca.cur.Load(); p != nil {
		return p.pool
	}
	return nil
}

// ParseCAPEM reads the CA certificates of a PEM file's contents, data,
// named file in errors. Every CERTIFICATE block must parse: one that does
// not is an error rather than skipped, as x509.CertPool.AppendCertsFromPEM
// would, so a file cut short is not quietly taken for fewer CAs. Blocks
// of other types are passed over; a file with no certificate is an
// error.
func ParseCAPEM(file string, data []byte) ([]*x509.Certificate, error) {
	p, err := parseCAs(file, data)
	if err != nil {
		return nil, err
	}
	return p.cas, nil
}

// loadCAs reads file and keeps every CERTIFICATE block in it
// ([ParseCAPEM]): a reload must not quietly drop a CA because its file
// was cut short.
func loadCAs(file string) (*caPool, error) {
	data, err := readPEMFile(file)
	if err != nil {
		return nil, fmt.Errorf("certs: read CA file: %w", err)
	}
	return parseCAs(file, data)
}

func parseCAs(file string, data []byte) (*caPool, error) {
	p := &caPool{pool: x509.NewCertPool()}
	h := sha256.New()
	for rest := data; ; {
		var block *pem.Block
		before := rest
		block, rest = pem.Decode(rest)
		// pem.Decode skips a block it cannot decode, on to the next one
		// that does, or gives up on it and everything after it, with no
		// error of its own either way. A begun block in what it passed
		// over, beside the one it returns, was cut short or is corrupt.
		over, own := before[:len(before)-len(rest)], 1
		if block == nil {
			over, own = rest, 0
		}
		if bytes.Count(over, []byte("-----BEGIN")) > own {
			where := "its first PEM block"
			if n := len(p.subjects); n > 0 {
				where = fmt.Sprintf("the PEM block after CA certificate %d (%s)", n, p.subjects[n-1])
			}
			return nil, fmt.Errorf("certs: %s: %s does not decode (cut short or corrupt)", file, where)
		}
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("certs: %s: CA certificate %d: %w", file, len(p.subjects)+1, err)
		}
		p.pool.AddCert(c)
		p.subjects = append(p.subjects, c.Subject.String())
		p.cas = append(p.cas, c)
		h.Write(block.Bytes)
	}
	if len(p.subjects) == 0 {
		return nil, fmt.Errorf("certs: %s: no PEM certificate found", file)
	}
	h.Sum(p.sum[:0])
	return p, nil
}

// reloadCAs reads the CA file again and, only if it loads, makes it the
// pool new handshakes verify against. It counts the outcome in
// ClientCAReloadStats.
func (s *Source) reloadCAs() (old, cur *caPool, err error) {
	if s.ca.file == "" {
		return nil, nil, nil
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	cur, err = loadClientCAs(s.ca.file)
	s.caReloads.note(err)
	if err != nil {
		return nil, nil, err
	}
	old = s.ca.cur.Swap(cur)
	select {
	case s.ca.swapped <- struct{}{}:
	default:
	}
	return old, cur, nil
}

// reloadCAsAndLog is the client CA half of [Source.ReloadAndLog].
func (s *Source) reloadCAsAndLog(log *slog.Logger, trigger string) error {
	old, cur, err := s.reloadCAs()
	again, cleared := s.caRefused.note(err, s.ca.file)
	if again {
		log.Debug("client CA reload refused again, file and reason unchanged; still verifying clients against the previous CAs",
			"trigger", trigger, "client_ca_file", s.ca.file, "err", err)
		return err
	}
	if err != nil {
		log.Error("client CA reload failed; still verifying clients against the previous CAs",
			"trigger", trigger, "client_ca_file", s.ca.file, "err", err)
		return err
	}
	attrs := []any{"trigger", trigger, "client_ca_file", s.ca.file, "cas", cur.subjects}
	if old != nil && bytes.Equal(old.sum[:], cur.sum[:]) {
		if cleared {
			log.Info("client CA file loads again after the refused reload; still verifying clients against the same CAs", attrs...)
			return nil
		}
		log.Debug("client CA unchanged", attrs...)
		return nil
	}
	log.Info("client CA reloaded", attrs...)
	warnCADates(log, s.ca.file, cur, time.Now())
	return nil
}

// requireClientCerts sets cfg up to verify client certificates against
// the pool current at each handshake.
//
// A tls.Config must not change once in use, so the pool cannot be swapped
// in place. GetConfigForClient hands each handshake a copy of cfg with the
// current pool instead, made once per pool: crypto/tls takes the session
// ticket keys from cfg itself when the copy sets none, so resumption keeps
// working across a reload, and (since Go 1.24.13 and 1.25.7) it checks a
// resumed session's client chain against the copy's pool, so a CA taken
// out of the file also ends the sessions of the clients it issued.
func (s *Source) requireClientCerts(cfg *tls.Config) {
	initial := s.ca.cur.Load()
	cfg.ClientAuth = tls.RequireAndVerifyClientCert
	cfg.ClientCAs = initial.pool
	type perPool struct {
		ca  *caPool
		cfg *tls.Config
	}
	var last atomic.Pointer[perPool]
	cfg.GetConfigForClient = func(*tls.ClientHelloInfo) (*tls.Config, error) {
		cur := s.ca.cur.Load()
		if cur == initial {
			return nil, nil // cfg itself
		}
		if l := last.Load(); l != nil && l.ca == cur {
			return l.cfg, nil
		}
		c := cfg.Clone()
		c.GetConfigForClient = nil
		c.ClientCAs = cur.pool
		last.Store(&perPool{ca: cur, cfg: c})
		return c, nil
	}
}
