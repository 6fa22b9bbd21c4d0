package main

import (
	"strings"
	"testing"
)

// TestStartWarningsUseCommonKeys: the start's warnings about the
// configuration give their reason under the keys every other record
// uses: err for why something will fail (tlsecho health cannot check),
// hint for what follows from a setting and what to do about it (like the
// "try it" line's), never a key of their own that a log query would have
// to know besides.
func TestStartWarningsUseCommonKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		vars map[string]string
		keys map[string]string // message: the key that holds its reason
	}{
		{"health cannot check", map[string]string{"ADMIN_ADDR": "", "FAULT": "alert:internal_error"}, map[string]string{
			"tlsecho health cannot check this server": "err",
			"every connection gets faults":            "hint",
		}},
		{"health waits", map[string]string{"ADMIN_ADDR": "", "FAULT": "hsdelay:1s"}, map[string]string{
			"tlsecho health waits out the handshake delay": "hint",
			"every connection gets faults":                 "hint",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"LOG_FORMAT": "json"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			ta := startApp(t, vars)
			waitLogged(t, ta, `"msg":"try it"`)
			for msg, key := range tt.keys {
				recs := ta.Log.Records(t, msg)
				if len(recs) != 1 {
					t.Fatalf("%d records %q, want 1:\n%s", len(recs), msg, ta.Log)
				}
				r := recs[0]
				if v, _ := r[key].(string); !strings.Contains(v, "TLSECHO_") || r["level"] != "WARN" {
					t.Errorf("%q: no reason under %q: %v", msg, key, r)
				}
				if _, ok := r["why"]; ok {
					t.Errorf("%q: a why key: %v", msg, r)
				}
			}
		})
	}
}
