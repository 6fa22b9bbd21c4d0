package main

import (
	"strconv"
	"strings"
	"testing"
)

// tryItValue is the value of key in the start's "try it" line.
func tryItValue(t *testing.T, line, key string) string {
	t.Helper()
	_, rest, ok := strings.Cut(line, " "+key+"=")
	if !ok {
		t.Fatalf("no %s= in %s", key, line)
	}
	if !strings.HasPrefix(rest, `"`) {
		v, _, _ := strings.Cut(rest, " ")
		return v
	}
	v, err := strconv.QuotedPrefix(rest)
	if err != nil {
		t.Fatalf("%s= in %s: %v", key, line, err)
	}
	v, _ = strconv.Unquote(v)
	return v
}

// TestStartLogTryItWithProxyRequired: with TLSECHO_PROXY_PROTOCOL=require
// the raw command the start suggests sends a PROXY header, and run as
// written it gets the echo; the line says what a browser needs. With
// PROXY headers optional the plain openssl command stays.
func TestStartLogTryItWithProxyRequired(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"PROXY_PROTOCOL": "require"})
	line := waitLogged(t, ta, `msg="try it"`)
	raw := tryItValue(t, line, "raw")
	args := strings.Fields(raw)
	if len(args) < 3 || args[0] != "tlsecho" || args[1] != "client" {
		t.Fatalf("raw=%q: want a tlsecho client command, which can send a PROXY header", raw)
	}
	runClient(t, "", append(args[2:], "hello")...).want(t, exitOK, []string{"hello"}, nil)
	if hint := tryItValue(t, line, "proxy"); !strings.Contains(hint, "PROXY header") || !strings.Contains(hint, "browser") {
		t.Errorf("proxy=%q: want what the raw port and the page need", hint)
	}

	trusted := startApp(t, map[string]string{"PROXY_PROTOCOL": "require", "PROXY_TRUSTED": "127.0.0.1,::1"})
	if hint := tryItValue(t, waitLogged(t, trusted, `msg="try it"`), "proxy"); !strings.Contains(hint, "TLSECHO_PROXY_TRUSTED") {
		t.Errorf("proxy=%q with TLSECHO_PROXY_TRUSTED set: want it named", hint)
	}

	optional := startApp(t, map[string]string{"PROXY_PROTOCOL": "optional"})
	line = waitLogged(t, optional, `msg="try it"`)
	if raw := tryItValue(t, line, "raw"); !strings.HasPrefix(raw, "openssl s_client -connect ") || strings.Contains(line, " proxy=") {
		t.Errorf("with PROXY headers optional: %s; want the openssl command and no proxy hint", line)
	}
}
