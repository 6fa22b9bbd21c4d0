package fault_test

import (
	"testing"

	"github.com/tlsecho/tlsecho/fault"
)

// TestDescribeGivesCopies: a caller that changes the catalog it was given
// changes nothing of the next one's, nor another Injector's.
func TestDescribeGivesCopies(t *testing.T) {
	a, err := fault.New(fault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := a.Describe()
	c.Presets[0].Spec = "rst"
	c.Verbs[0].On[0] = "nowhere"
	b, err := fault.New(fault.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []fault.Catalog{a.Describe(), b.Describe()} {
		if d.Presets[0].Spec == "rst" || d.Verbs[0].On[0] == "nowhere" {
			t.Fatalf("a change to one catalog shows in the next: preset %q, verb on %v", d.Presets[0].Spec, d.Verbs[0].On)
		}
	}
}
