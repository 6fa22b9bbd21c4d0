package main

import (
	"strings"
	"testing"
)

// TestStartLogWarnsOfIncompleteChain: a certificate file that holds a
// public-CA-style leaf without its intermediate, or with another CA's,
// starts with a warning that names the missing issuer; the full chain, and
// a leaf straight from a private root, start without one. The server
// serves all of them.
func TestStartLogWarnsOfIncompleteChain(t *testing.T) {
	t.Parallel()
	root := newIssuer(t, "Test Root CA", nil)
	inter := newIssuer(t, "Test Intermediate CA", root)
	other := newIssuer(t, "Other Intermediate CA", root)
	const url = "http://ca.test/inter.der"
	for _, tt := range []struct {
		name  string
		inter *issuer
		chain []*issuer
		url   string
		want  []string // in the warning; none for no warning
	}{
		{"leaf alone", inter, nil, url, []string{`the file holds the leaf alone, without its issuer \"CN=Test Intermediate CA\" (the leaf names it at ` + url, "curl, OpenSSL, Go"}},
		{"another intermediate", inter, []*issuer{other}, url, []string{`none of the 1 certificate(s) after the leaf in the file issued it; its issuer is \"CN=Test Intermediate CA\"`}},
		{"full chain", inter, []*issuer{inter}, url, nil},
		{"private root, leaf alone", root, nil, "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			certFile, keyFile := servedChainAIA(t, tt.url, tt.inter, tt.chain...)
			ta := startApp(t, map[string]string{"CERT_FILE": certFile, "KEY_FILE": keyFile})
			waitLogged(t, ta, `msg="try it"`) // the last line of the start
			log := ta.Log.String()
			var line string
			for _, l := range strings.Split(log, "\n") {
				if strings.Contains(l, "certificate chain incomplete") {
					line = l
				}
			}
			if len(tt.want) == 0 {
				if line != "" {
					t.Errorf("warned of a complete chain: %s", line)
				}
				return
			}
			if line == "" || !strings.Contains(line, "level=WARN") || !strings.Contains(line, "cert_file="+certFile) {
				t.Fatalf("no warning naming %s:\n%s", certFile, log)
			}
			for _, w := range tt.want {
				if !strings.Contains(line, w) {
					t.Errorf("warning lacks %q: %s", w, line)
				}
			}
		})
	}
}
