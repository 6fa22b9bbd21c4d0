package main

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// TestListenHostNoName: a listener address whose host is neither an IP
// address nor a name any lookup could take is a bad setting, refused by
// the binary before anything binds: exit 2 (bad settings), one line
// naming the variable and the host. It passed the check and failed at the
// bind, exit 1, with the resolver's "no such host". A host that is a
// name is still the bind's to look up.
func TestListenHostNoName(t *testing.T) {
	t.Parallel()
	base := []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0"}
	for _, tt := range []struct{ name, addr, host string }{
		{"TLSECHO_ADMIN_ADDR", "[#]:0", "#"},
		{"TLSECHO_TLS_ADDR", "[::1%]:0", "::1%"},
		{"TLSECHO_HTTPS_ADDR", "a#b:0", "a#b"},
		{"TLSECHO_HTTP_ADDR", "a..b:0", "a..b"},
		{"TLSECHO_ADMIN_ADDR", ".example:0", ".example"},
		{"TLSECHO_TLS_ADDR", "ex%ample:0", "ex%ample"},
		{"TLSECHO_HTTPS_ADDR", "caf\u00e9.example:0", "caf\u00e9.example"},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			t.Parallel()
			cmd := command(t, append(base, tt.name+"="+tt.addr))
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			code := 0
			if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			out := stderr.String()
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, out)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "tlsecho: "+tt.name+": ") {
				t.Errorf("stderr %q, want one line naming %s first", out, tt.name)
			}
			for _, w := range []string{`bad host ` + strconv.Quote(tt.host), "leave the host out"} {
				if !strings.Contains(out, w) {
					t.Errorf("stderr %q lacks %q", out, w)
				}
			}
		})
	}
	// Names and literals are taken: the bind looks names up.
	for _, a := range []string{"localhost:0", "LOCALHOST.:0", "[localhost]:0", "[fe80::1%lo]:0", "[fe80::1%25eth0]:0", "127.0.0.1:0", ":0", "a_b-c.example:0", "127.1:0"} {
		if err := checkAddr(a); err != nil {
			t.Errorf("%q refused: %v", a, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // a server that starts stops at once
	var stdout, stderr bytes.Buffer
	if code := run(ctx, nil, append(base, "TLSECHO_ADMIN_ADDR=localhost:0"), nil, &stdout, &stderr); code != 0 {
		t.Errorf("TLSECHO_ADMIN_ADDR=localhost:0: exit %d, want 0; stderr %q", code, stderr.String())
	}
}
