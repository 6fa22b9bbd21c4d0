package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestStarHostRefused: "*:port", the way HAProxy, nginx and Apache write
// every interface, is a bad address refused before anything binds (exit
// 2, one line naming the variable), with the spelling that does mean
// every interface, not a failed lookup of a host named "*".
func TestStarHostRefused(t *testing.T) {
	t.Parallel()
	p := freePort(t)
	base := []string{"TLSECHO_TLS_ADDR=127.0.0.1:0", "TLSECHO_HTTPS_ADDR=127.0.0.1:0", "TLSECHO_ADMIN_ADDR=127.0.0.1:0"}
	for _, name := range []string{"TLSECHO_TLS_ADDR", "TLSECHO_HTTPS_ADDR", "TLSECHO_ADMIN_ADDR", "TLSECHO_HTTP_ADDR"} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // a server that starts stops at once
			var stdout, stderr bytes.Buffer
			code := run(ctx, nil, append(base, name+"=*:"+p), nil, &stdout, &stderr)
			out := stderr.String()
			if code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", code, exitUsage, out)
			}
			if strings.Count(out, "\n") != 1 || !strings.HasPrefix(out, "tlsecho: "+name+": ") {
				t.Errorf("stderr %q, want one line naming %s first", out, name)
			}
			for _, w := range []string{`"*:` + p + `"`, `leave the host out (":` + p + `")`} {
				if !strings.Contains(out, w) {
					t.Errorf("stderr %q lacks %q", out, w)
				}
			}
		})
	}
}
