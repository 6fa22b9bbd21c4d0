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
// end is named. notYet tells which end; ends is empty for any other
// error, or when x509's detail is not in the form it has used since Go
// 1.0 ("current time T is before|after T").
func validityEnd(err error) (ends string, notYet bool) {
	var ci x509.CertificateInvalidError
	if !errors.As(err, &ci) || ci.Reason != x509.Expired || ci.Cert == nil {
		return "", false
	}
	var now, op, bound string
	if n, _ := fmt.Sscanf(ci.Detail, "current time %s is %s %s", &now, &op, &bound); n != 3 {
		return "", false
	}
	at := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	switch op {
	case "before":
		return fmt.Sprintf("not valid until %s (the server's time is %s: a clock is wrong, or it was made to start later)", at(ci.Cert.NotBefore), now), true
	case "after":
		return fmt.Sprintf("expired on %s (the server's time is %s)", at(ci.Cert.NotAfter), now), false
	}
	return "", false
}
