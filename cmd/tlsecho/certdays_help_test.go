package main

import (
	"strings"
	"testing"
)

// TestCertDaysHelp checks that -h describes -days as the command's own
// warning does: browsers hold only public CAs' certificates to 398 days
// (Apple systems every one to 825), so a local CA's or a self-signed
// certificate valid longer is not refused by them for that.
func TestCertDaysHelp(t *testing.T) {
	t.Parallel()
	_, stdout, stderr := certRun(t, "-h")
	help := stdout + stderr
	i := strings.Index(help, "  -days N")
	if i < 0 {
		t.Fatalf("no -days in the help:\n%s", help)
	}
	line := help[i:]
	line = line[:strings.Index(line, "  -force")]
	for _, want := range []string{"398", "public CAs", "825"} {
		if !strings.Contains(line, want) {
			t.Errorf("-days help lacks %q:\n%s", want, line)
		}
	}
}
