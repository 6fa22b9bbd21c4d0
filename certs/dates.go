package certs

import (
	"crypto/x509"
	"time"
)

// DatesProblem says why clients refuse leaf at now for its dates alone:
// "has expired", "is not valid yet" (a certificate issued on a machine
// whose clock runs ahead, or dated for a later switch), or "" when now
// lies within them. The server and the file watcher log it as a warning
// and serve the certificate anyway: it is what the operator gave.
func DatesProblem(leaf *x509.Certificate, now time.Time) string {
	switch {
	case now.After(leaf.NotAfter):
		return "has expired"
	case now.Before(leaf.NotBefore):
		return "is not valid yet"
	}
	return ""
}
