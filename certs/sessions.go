package certs

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
)

// tagSessions ties every session cfg's tickets carry to the certificate
// served when the ticket was made, and resumes a session only while that
// certificate is still the one served.
//
// A resumed handshake presents no certificate: the client goes on with
// the one it verified for the session. Without this, a client holding a
// ticket from before a reload that changed the certificate would resume,
// and (for up to the ticket's 7 days) never see the new certificate a
// reload is made to serve; a test of certificate rotation would see the
// old one. Refusing the session costs that client one full handshake,
// after which it holds a session of the new certificate. A reload of the
// same pair (a SIGHUP, a file touched) keeps every session.
//
// The tickets stay crypto/tls's own, sealed with cfg's keys, which it
// rotates: the handshakes of cfg's copies (requireClientCerts) use those
// same keys by default, and these functions, which the copies inherit,
// seal and open with cfg's too. A reload in the moment between a full
// handshake and its ticket tags the session with the new certificate;
// its client then keeps the old one until the ticket runs out, as every
// client did before.
func (s *Source) tagSessions(cfg *tls.Config) {
	cfg.WrapSession = func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		ss.Extra = append(ss.Extra, s.servedTag())
		return cfg.EncryptTicket(cs, ss)
	}
	cfg.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := cfg.DecryptTicket(identity, cs)
		if ss == nil || err != nil {
			return nil, err // not one of cfg's tickets: a full handshake
		}
		if n := len(ss.Extra); n == 0 || !bytes.Equal(ss.Extra[n-1], s.servedTag()) {
			return nil, nil // of another certificate: a full handshake
		}
		return ss, nil
	}
}

// servedTag names the certificate served now: the hash of its leaf. A
// chain served with another intermediate but the same leaf keeps its
// sessions, since the client verified that leaf.
func (s *Source) servedTag() []byte {
	cert := s.current.Load()
	if len(cert.Certificate) == 0 {
		return nil // no handshake completes with it: no session to tag
	}
	sum := sha256.Sum256(cert.Certificate[0])
	return sum[:]
}
