package certs

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/tlsecho/tlsecho/internal/testlog"
)

// TestClientCAExpiryAfterReload: the watch on the client CAs' dates
// follows a reload. A CA loaded by a reload that expires seconds later is
// warned of when it does, though the file the server started with
// expires in a year: the watch must not keep sleeping on the old file's
// dates.
func TestClientCAExpiryAfterReload(t *testing.T) {
	t.Parallel()
	s, caFile, one, _ := caSource(t)
	logBuf := &testlog.Buffer{}
	log := slog.New(slog.NewTextHandler(logBuf, nil))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.WatchClientCAExpiry(ctx, log)
	}()
	defer func() {
		cancel()
		<-done
	}()

	// x509 keeps whole seconds; the CA is valid through its NotAfter.
	notAfter := time.Now().Add(2 * time.Second).Truncate(time.Second)
	soon, _ := datedPEM(t, "soon.ca.test", time.Now().Add(-time.Hour), notAfter)
	replaceByRename(t, caFile, append(append([]byte{}, one.ca.CertPEM...), soon...))
	if err := s.ReloadAndLog(log, "test"); err != nil {
		t.Fatal(err)
	}
	const want = "client CA certificate has expired; every client certificate it issued is refused"
	deadline := notAfter.Add(10 * time.Second)
	for !strings.Contains(logBuf.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no warning within 10 s of the reloaded CA's expiry; log:\n%s", logBuf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !time.Now().After(notAfter) {
		t.Fatalf("warned before the CA expired at %v:\n%s", notAfter, logBuf.String())
	}
	if got := logBuf.String(); !strings.Contains(got, "CN=soon.ca.test") || strings.Contains(got, "CN="+one.ca.Cert.Leaf.Subject.CommonName+" ") {
		t.Errorf("the warning names the wrong CA:\n%s", got)
	}
}
