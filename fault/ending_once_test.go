package fault

import (
	"slices"
	"testing"
	"time"
)

// TestOneTerminalVerbCounted: when two terminal verbs come due at the
// same echo, the first ends the connection and the second is neither
// logged nor counted, since it never acts (tlsecho_faults_total counts
// the faults applied).
func TestOneTerminalVerbCounted(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"close@1,blackhole@1", "close"},
		{"fin@1,close@1", "fin"},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			var applied []string
			in, err := New(Options{Applied: func(verb string) { applied = append(applied, verb) }})
			if err != nil {
				t.Fatal(err)
			}
			spec, err := Parse(tc.spec)
			if err != nil {
				t.Fatal(err)
			}
			s := in.Start(spec, ConnInfo{Opened: time.Now()}, Target{Close: func(int, string) {}})
			defer s.Stop()
			// Echoed activates what came due before it returns.
			if !s.Echoed(1) {
				t.Fatalf("%s: the echo has not ended after the first", tc.spec)
			}
			if v, _ := s.Ended(); v.Kind.String() != tc.want {
				t.Errorf("%s: ended by %s, want %s", tc.spec, v.Kind, tc.want)
			}
			if !slices.Equal(applied, []string{tc.want}) {
				t.Errorf("%s: applied %q, want only %q", tc.spec, applied, tc.want)
			}
		})
	}
}
