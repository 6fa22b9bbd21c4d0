package fault

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// settingWordsTests are the words of a refusal that sends the user to a
// setting, with the names Options gives and without: the package names
// none of a program's settings itself.
var settingWordsTests = []struct {
	name    string
	o       Options
	off     string // the words of every refusal while faults are off
	urlVerb string // ParseURL's words for a verb a URL cannot carry
}{
	{
		name:    "no names",
		o:       Options{},
		off:     "fault: faults are turned off on this server",
		urlVerb: "fault: alert: acts before the TLS handshake, and a URL is read after it: arm it with POST /faults on the admin port, or set Options.Default",
	},
	{
		name:    "the command's names",
		o:       Options{OffSetting: "TLSECHO_FAULTS=false", DefaultSetting: "TLSECHO_FAULT"},
		off:     "fault: faults are turned off on this server (TLSECHO_FAULTS=false)",
		urlVerb: "fault: alert: acts before the TLS handshake, and a URL is read after it: arm it with POST /faults on the admin port, or set TLSECHO_FAULT",
	},
}

// TestSettingWords: every refusal while faults are off says ErrOff's
// words and then the setting Options names, and wraps ErrOff; a verb a
// URL cannot carry is sent to the setting of the default spec.
func TestSettingWords(t *testing.T) {
	t.Parallel()
	for _, tt := range settingWordsTests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			on := newInjector(t, tt.o)
			if _, err := on.ParseURL("alert:internal_error"); err == nil || err.Error() != tt.urlVerb {
				t.Errorf("ParseURL(alert) = %v, want %q", err, tt.urlVerb)
			}

			o := tt.o
			o.Disabled = true
			off := newInjector(t, o)
			_, parseErr := off.ParseURL("delay:1ms")
			_, armErr := off.Arm(ListenerTLS, "rst", 1)
			_, reqErr := off.RequestSpec(httptest.NewRequest(http.MethodGet, "/ws?fault=rst", nil), nil)
			for what, err := range map[string]error{"ParseURL": parseErr, "Arm": armErr, "RequestSpec": reqErr} {
				if err == nil || err.Error() != tt.off || !errors.Is(err, ErrOff) {
					t.Errorf("%s with faults off = %v, want %q wrapping ErrOff", what, err, tt.off)
				}
			}
			spec, err := Parse("rst")
			if err != nil {
				t.Fatal(err)
			}
			want := tt.off + ": a default fault spec cannot be set"
			if err := off.CheckDefault(spec); err == nil || err.Error() != want || !errors.Is(err, ErrOff) {
				t.Errorf("CheckDefault with faults off = %v, want %q wrapping ErrOff", err, want)
			}

			srv := httptest.NewServer(off.Handler())
			defer srv.Close()
			code, body := do(t, http.MethodPost, srv.URL+"?spec=rst&listener=tls", nil)
			if code != http.StatusForbidden || strings.TrimSpace(body) != tt.off {
				t.Errorf("POST /faults with faults off = %d %q, want 403 %q", code, body, tt.off)
			}
		})
	}
}
