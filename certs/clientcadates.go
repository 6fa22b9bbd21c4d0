package certs

import (
	"log/slog"
	"time"
)

// WarnClientCADates logs a warning for each certificate of the client CA
// file whose dates fail verification now. Go checks the CA's own dates
// as it does the client's, so an expired CA refuses every client
// certificate it issued, and each refusal ("certificate has expired")
// reads as the client's fault: only a warning naming the CA points the
// operator at the server's file. The server calls it at start; a reload
// that loads a changed file warns the same way.
func (s *Source) WarnClientCADates(log *slog.Logger) {
	if p := s.ca.cur.Load(); p != nil {
		warnCADates(log, s.ca.file, p, time.Now())
	}
}

func warnCADates(log *slog.Logger, file string, p *caPool, now time.Time) {
	for _, c := range p.cas {
		if why := DatesProblem(c, now); why != "" {
			log.Warn("client CA certificate "+why+"; every client certificate it issued is refused",
				"client_ca_file", file, "subject", c.Subject.String(),
				"not_before", c.NotBefore.UTC().Format(time.RFC3339),
				"not_after", c.NotAfter.UTC().Format(time.RFC3339))
		}
	}
}
