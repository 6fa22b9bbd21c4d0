package main

import (
	"strings"
	"testing"
)

// TestStartLogWarnsProxyTrustedFromAny: with the PROXY protocol on and no
// TLSECHO_PROXY_TRUSTED, the start warns that any peer may name any
// client, before the "try it" line; a trust list, or the protocol off,
// keeps it quiet.
func TestStartLogWarnsProxyTrustedFromAny(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"optional", "require"} {
		ta := startApp(t, map[string]string{"PROXY_PROTOCOL": mode})
		line := waitLogged(t, ta, `msg="PROXY headers trusted from any peer"`)
		for _, want := range []string{"level=WARN", "proxy_protocol=" + mode, "TLSECHO_PROXY_TRUSTED"} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: warning lacks %q: %s", mode, want, line)
			}
		}
	}
	for name, env := range map[string]map[string]string{
		"trusted":      {"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1"},
		"protocol off": nil,
	} {
		ta := startApp(t, env)
		waitLogged(t, ta, `msg="try it"`)
		if strings.Contains(ta.Log.String(), "PROXY headers trusted from any peer") {
			t.Errorf("%s: warned of an empty trust list:\n%s", name, ta.Log.String())
		}
	}
}
