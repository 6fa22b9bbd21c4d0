package main

import (
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// hostSlips are hosts a user may mistype, each refused with a value to
// write instead.
var hostSlips = []string{
	"[::1", "::1]", "[127.0.0.1]", "[::ffff:127.0.0.1",
	"[fe80::1%eth0", "fe80::1%eth0]", "[fe80::1%eth0]", "[fe80::1%eth0]]", "fe80::1%eth0",
	"[127.0.0.1%eth0]", "127.0.0.1%eth0",
	"a.example.", "Bücher.example", "é.", "Bücher.example.",
}

// adviceRE finds the value a refusal tells the user to write.
var adviceRE = regexp.MustCompile(`write ("(?:[^"\\]|\\.)*")`)

// advice returns the value msg tells the user to write.
func advice(t *testing.T, msg string) string {
	t.Helper()
	m := adviceRE.FindStringSubmatch(msg)
	if m == nil {
		t.Fatalf("the refusal says nothing to write instead: %s", msg)
	}
	v, err := strconv.Unquote(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHostsAdviceIsAccepted: a refused host's message names what to write
// instead, and that is taken, by TLSECHO_HOSTS and by tlsecho cert -hosts
// alike: the user is never sent from one refusal to another. A bracket
// slip around a zoned address ("[fe80::1%eth0") was answered with the
// zoned address, which the next try refused for its zone.
func TestHostsAdviceIsAccepted(t *testing.T) {
	t.Parallel()
	for _, slip := range hostSlips {
		t.Run(slip, func(t *testing.T) {
			_, err := loadConfig([]string{"TLSECHO_HOSTS=" + slip})
			if err == nil {
				t.Fatalf("TLSECHO_HOSTS=%s accepted, want a refusal", slip)
			}
			fix := advice(t, err.Error())
			if _, err := loadConfig([]string{"TLSECHO_HOSTS=" + fix}); err != nil {
				t.Errorf("TLSECHO_HOSTS=%s: told to write %q, which is refused in turn: %v", slip, fix, err)
			}

			dir := t.TempDir()
			code, _, stderr := certRun(t, "-hosts", slip, "-out", filepath.Join(dir, "slip"))
			if code != exitUsage {
				t.Fatalf("cert -hosts %s: exit %d, want %d: %s", slip, code, exitUsage, stderr)
			}
			fix = advice(t, stderr)
			if code, _, stderr := certRun(t, "-hosts", fix, "-out", filepath.Join(dir, "fix")); code != exitOK {
				t.Errorf("cert -hosts %s: told to write %q, which is refused in turn: %s", slip, fix, strings.TrimSpace(stderr))
			}
		})
	}
}
