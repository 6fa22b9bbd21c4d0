package certs

import (
	"bytes"
	"crypto/x509"
	"log/slog"
	"time"
)

// WarnClientCADates logs a warning for each certificate of the client CA
// file whose dates fail verification now, unless the file also holds its
// renewal in date (renewedIn). Go checks the CA's own dates as it does
// the client's, so an expired CA refuses every client certificate it
// issued, and each refusal ("certificate has expired") reads as the
// client's fault: only a warning naming the CA points the operator at the
// server's file. The server calls it at start; a reload
// that loads a changed file warns the same way.
func (s *Source) WarnClientCADates(log *slog.Logger) {
	if p := s.ca.cur.Load(); p != nil {
		warnCADates(log, s.ca.file, p, time.Now())
	}
}

func warnCADates(log *slog.Logger, file string, p *caPool, now time.Time) {
	for _, c := range p.cas {
		if why := DatesProblem(c, now); why != "" && !renewedIn(c, p.cas, now) {
			warnCA(log, file, c, why)
		}
	}
}

// warnCA logs that the client CA c, in file, refuses every client it
// issued, and why (DatesProblem's words).
func warnCA(log *slog.Logger, file string, c *x509.Certificate, why string) {
	log.Warn("client CA certificate "+why+"; every client certificate it issued is refused",
		"client_ca_file", file, "subject", c.Subject.String(),
		"not_before", c.NotBefore.UTC().Format(time.RFC3339),
		"not_after", c.NotAfter.UTC().Format(time.RFC3339))
}

// renewedIn tells whether cas holds, in date, a certificate of the same
// name and key as c: a renewal kept beside the expired CA, as bundles do
// for a while. Go tries every CA of the issuer's name, so the clients of
// c are let in through the renewal and nothing needs saying.
func renewedIn(c *x509.Certificate, cas []*x509.Certificate, now time.Time) bool {
	for _, d := range cas {
		if d != c && bytes.Equal(d.RawSubject, c.RawSubject) &&
			bytes.Equal(d.RawSubjectPublicKeyInfo, c.RawSubjectPublicKeyInfo) &&
			DatesProblem(d, now) == "" {
			return true
		}
	}
	return false
}
