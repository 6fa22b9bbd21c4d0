package listener

import (
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// validityEnd words x509's refusal of a certificate outside its
// validity: "not valid until T" or "expired on T", with the server's time
// beside it. x509 has one reason for both ends ("certificate has expired
// or is not yet valid") and crypto/tls answers both with the
// certificate_expired alert, so a certificate issued on a machine whose
// clock runs ahead, or made to start later, reads as expired unless the
// end is named. Which end it is comes from the certificate's dates and
// the clock, as crypto/tls verified against it, not from x509's wording.
// notYet tells which end; ends is empty for any other error.
func validityEnd(err error) (ends string, notYet bool) {
	var ci x509.CertificateInvalidError
	if !errors.As(err, &ci) || ci.Reason != x509.Expired || ci.Cert == nil {
		return "", false
	}
	now := time.Now()
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	switch {
	case now.Before(ci.Cert.NotBefore):
		return fmt.Sprintf("not valid until %s (the server's time is %s: a clock is wrong, or it was made to start later)", at(ci.Cert.NotBefore), at(now)), true
	case now.After(ci.Cert.NotAfter):
		return fmt.Sprintf("expired on %s (the server's time is %s)", at(ci.Cert.NotAfter), at(now)), false
	}
	return "", false
}
