package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestClientObservesRawFaults: `tlsecho client` shows a fault's effect on
// the raw port: records per echo, the time to the first byte, and how the
// server ended the connection.
func TestClientObservesRawFaults(t *testing.T) {
	t.Parallel()
	ta := startApp(t, nil)
	caFile := writeCertFile(t, ta.src.Leaf())
	client := func(args ...string) clientResult {
		return runClient(t, "", append([]string{"-ca", caFile, "-servername", "localhost"}, args...)...)
	}
	url := "tls://" + ta.TLSAddr

	ta.arm(t, "tls", "frag:3", "1")
	client("-n", "2", url, "hello world").want(t, 0, []string{"hello world  (11 bytes", "4 records"}, nil)

	ta.arm(t, "tls", "delay:200ms", "1")
	r := client(url, "slow")
	r.want(t, 0, []string{"first byte "}, nil)
	if d := firstByte(t, r.stdout); d < 200*time.Millisecond {
		t.Errorf("first byte after %v under delay:200ms", d)
	}

	for spec, how := range map[string]string{
		"close@5": "ended the connection with close_notify instead of sending the echo (5 of 11 bytes came back)",
		"fin@5":   "ended the connection with a TCP FIN and no close_notify",
		"rst@5":   "ended the connection with a TCP reset",
	} {
		ta.arm(t, "tls", spec, "1")
		client(url, "hello world").want(t, 1, nil, []string{how})
	}
}

// firstByte reads the "first byte D" of the client's first echo line.
func firstByte(t *testing.T, stdout string) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`first byte ([0-9.]+[µm]?s)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("no first byte time in:\n%s", stdout)
	}
	d, err := time.ParseDuration(strings.Replace(m[1], "µ", "u", 1))
	if err != nil {
		t.Fatal(err)
	}
	return d
}
