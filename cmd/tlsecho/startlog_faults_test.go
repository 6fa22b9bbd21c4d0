package main

import (
	"strings"
	"testing"
)

// TestStartLogNamesDefaultFault: with TLSECHO_FAULT set, the start warns
// that every connection gets it, with the spec as the server reads it,
// before the "try it" line whose commands it affects; without it, no
// such line.
func TestStartLogNamesDefaultFault(t *testing.T) {
	t.Parallel()
	ta := startApp(t, map[string]string{"FAULT": "rst @ 1, delay:10ms"})
	waitLogged(t, ta, `msg="try it"`)
	log := ta.Log.String()
	warn, try := strings.Index(log, `msg="every connection gets faults"`), strings.Index(log, `msg="try it"`)
	if warn < 0 || warn > try {
		t.Fatalf("no warning of TLSECHO_FAULT before the try it line:\n%s", log)
	}
	line := waitLogged(t, ta, `msg="every connection gets faults"`)
	for _, want := range []string{"level=WARN", "spec=rst@1,delay:10ms", "TLSECHO_FAULT"} {
		if !strings.Contains(line, want) {
			t.Errorf("warning lacks %q: %s", want, line)
		}
	}

	plain := startApp(t, nil)
	waitLogged(t, plain, `msg="try it"`)
	if strings.Contains(plain.Log.String(), "every connection gets faults") {
		t.Errorf("fault warning without TLSECHO_FAULT:\n%s", plain.Log.String())
	}
}
