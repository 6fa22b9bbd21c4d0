package main

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// notTLSWait bounds how long a client that sent something other than TLS
// waits for the server's answer and close: far below the handshake
// timeout the server runs with here, so that a connection held until that
// timeout fails the test instead of passing late.
const notTLSWait = 5 * time.Second

// answer sends first on a new connection to addr and reads what comes
// back until the server closes it, at most notTLSWait; it fails the test
// when the server has not closed by then.
func answer(t *testing.T, addr string, first []byte) string {
	t.Helper()
	nc := sendFirst(t, addr, first)
	nc.SetReadDeadline(time.Now().Add(notTLSWait))
	got, err := io.ReadAll(nc)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s held %q for %v without closing (got %q)", addr, first[:min(len(first), 16)], notTLSWait, got)
	}
	return string(got)
}

// protocolVersionAlert is the fatal protocol_version alert crypto/tls
// sends an SSLv2-compatible hello, in a record of TLS 1.0.
const protocolVersionAlert = "\x15\x03\x01\x00\x02\x02\x46"

// TestFaultsAlertNotTLS: an alert armed for a connection whose client
// speaks plain HTTP, or sends an SSLv2-compatible hello, does not hold it
// until the handshake timeout reading a "record" of 12 KiB that never
// comes, nor does an hsdelay hold it for its delay: the input is refused
// at once, as without the fault, with the same answer, the same outcome
// in /hellos and the same metrics, and the fault is not counted. A TLS client on the same server still gets the
// alert.
func TestFaultsAlertNotTLS(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"HANDSHAKE_TIMEOUT": "30s"})
	httpGet := []byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	tests := []struct {
		name, listener, addr string
		first                []byte
		wantAnswer           string // what the unfaulted server answers
		wantOutcome          string // and a word of its outcome
	}{
		{"HTTP on the raw TLS port", "tls", ta.TLSAddr, httpGet, "", "first record does not look like a TLS handshake"},
		{"SSLv2 hello on the raw TLS port", "tls", ta.TLSAddr, sslv2Hello(0x0301, 0x000035, 0x00002f),
			protocolVersionAlert, "SSLv2-compatible"},
		{"HTTP on the HTTPS port", "https", ta.HTTPSAddr, httpGet, "HTTP/1.0 400 Bad Request", "first record does not look like a TLS handshake"},
		{"SSLv2 hello on the HTTPS port", "https", ta.HTTPSAddr, sslv2Hello(0x0301, 0x000035, 0x00002f),
			protocolVersionAlert, "SSLv2-compatible"},
	}
	seen := map[string]int{} // /hellos entries per listener so far
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			query := "?listener=" + tt.listener
			plain := answer(t, tt.addr, tt.first)
			seen[tt.listener]++
			plainOutcome := waitHellos(t, ta, query, seen[tt.listener])[0].Outcome

			if !strings.HasPrefix(plain, tt.wantAnswer) || !strings.Contains(plainOutcome, tt.wantOutcome) {
				t.Fatalf("without a fault: answer %q, outcome %q; want %q and %q", plain, plainOutcome, tt.wantAnswer, tt.wantOutcome)
			}
			for _, spec := range []string{"alert:internal_error", "hsdelay:20s"} {
				ta.arm(t, tt.listener, spec, "1")
				faulted := answer(t, tt.addr, tt.first)
				seen[tt.listener]++
				faultedOutcome := waitHellos(t, ta, query, seen[tt.listener])[0].Outcome
				if faulted != plain {
					t.Errorf("answer with %s armed %q, without %q", spec, faulted, plain)
				}
				if faultedOutcome != plainOutcome {
					t.Errorf("outcome with %s armed %q, without %q", spec, faultedOutcome, plainOutcome)
				}
			}
		})
	}
	// Every connection above failed its handshake, none had a fault.
	waitMetrics(t, http.DefaultClient, ta.AdminAddr,
		`tlsecho_tls_handshake_failures_total{listener="tls"} 6`,
		`tlsecho_tls_handshake_failures_total{listener="https"} 6`,
		`tlsecho_faults_total{verb="alert"} 0`,
		`tlsecho_faults_total{verb="hsdelay"} 0`)

	t.Run("TLS client", func(t *testing.T) {
		ta.arm(t, "tls", "alert:internal_error", "1")
		start := time.Now()
		_, err := ta.dialRaw(t)
		if err == nil || !strings.Contains(err.Error(), "remote error: tls: internal error") {
			t.Fatalf("handshake: %v, want the internal_error alert", err)
		}
		if took := time.Since(start); took > notTLSWait {
			t.Errorf("the alert came after %v", took)
		}
		e := waitHellos(t, ta, "?listener=tls", seen["tls"]+1)[0]
		if !strings.Contains(e.Outcome, "internal_error") {
			t.Errorf("outcome %q, want the alert named", e.Outcome)
		}
		waitMetrics(t, http.DefaultClient, ta.AdminAddr, `tlsecho_faults_total{verb="alert"} 1`)
	})
}
