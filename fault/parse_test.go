package fault

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var parseTests = []struct {
	name string
	in   string
	want []Verb
	// canon is String's form when it differs from in.
	canon string
}{
	{name: "empty", in: "", want: nil},
	{name: "spaces", in: "  ", want: nil, canon: ""},
	{name: "delay", in: "delay:100ms", want: []Verb{{Kind: Delay, Dur: 100 * time.Millisecond}}},
	{name: "delay jitter", in: "delay:100ms~20ms", want: []Verb{{Kind: Delay, Dur: 100 * time.Millisecond, Jitter: 20 * time.Millisecond}}},
	{name: "jitter only", in: "delay:0~50ms", want: []Verb{{Kind: Delay, Jitter: 50 * time.Millisecond}}, canon: "delay:0s~50ms"},
	{name: "frag", in: "frag:1", want: []Verb{{Kind: Frag, Size: 1}}},
	{name: "frag KiB", in: "frag:16KiB", want: []Verb{{Kind: Frag, Size: 16 << 10}}},
	{name: "bw", in: "bw:8KiB", want: []Verb{{Kind: BW, Size: 8 << 10}}},
	{name: "bw bytes", in: "bw:1536", want: []Verb{{Kind: BW, Size: 1536}}},
	{name: "bw MiB", in: "bw:2MiB", want: []Verb{{Kind: BW, Size: 2 << 20}}},
	{name: "bw at its bound", in: "bw:1GiB", want: []Verb{{Kind: BW, Size: MaxBW}}},
	{name: "bw bound in MiB", in: "bw:1024MiB", want: []Verb{{Kind: BW, Size: MaxBW}}, canon: "bw:1GiB"},
	{name: "hsdelay", in: "hsdelay:2s", want: []Verb{{Kind: HSDelay, Dur: 2 * time.Second}}},
	{name: "alert", in: "alert:handshake_failure", want: []Verb{{Kind: Alert, Code: 40}}},
	{name: "alert upper", in: "alert:ACCESS_DENIED", want: []Verb{{Kind: Alert, Code: 49}}, canon: "alert:access_denied"},
	{name: "alert upper Z", in: "alert:UNRECOGNIZED_NAME", want: []Verb{{Kind: Alert, Code: 112}}, canon: "alert:unrecognized_name"},
	{name: "close bare", in: "close", want: []Verb{{Kind: Close}}},
	{name: "close code", in: "close:4001", want: []Verb{{Kind: Close, Code: 4001}}},
	{name: "close reason", in: "close:4001:going away now", want: []Verb{{Kind: Close, Code: 4001, Reason: "going away now"}}},
	{name: "close reason colon", in: "close:1000:a:b", want: []Verb{{Kind: Close, Code: 1000, Reason: "a:b"}}},
	{name: "close 1011", in: "close:1011", want: []Verb{{Kind: Close, Code: 1011}}},
	{name: "fin rst", in: "fin@2s,rst@10s", want: []Verb{{Kind: FIN, When: When{After: 2 * time.Second}}, {Kind: RST, When: When{After: 10 * time.Second}}}},
	{name: "blackhole", in: "blackhole@1KiB", want: []Verb{{Kind: Blackhole, When: When{Count: 1024}}}},
	{name: "nopong", in: "nopong@3", want: []Verb{{Kind: NoPong, When: When{Count: 3}}}},
	{name: "status", in: "status:503", want: []Verb{{Kind: Status, Code: 503}}},
	{name: "upper verb", in: "RST@1", want: []Verb{{Kind: RST, When: When{Count: 1}}}, canon: "rst@1"},
	{name: "one minute", in: "rst@1m", want: []Verb{{Kind: RST, When: When{After: time.Minute}}}, canon: "rst@1m0s"},
	{name: "one MiB", in: "rst@1MiB", want: []Verb{{Kind: RST, When: When{Count: 1 << 20}}}},
	{name: "count bound", in: "rst@1GiB", want: []Verb{{Kind: RST, When: When{Count: MaxCount}}}},
	{name: "spaces around", in: " delay:10ms , close:4001@3 ", want: []Verb{{Kind: Delay, Dur: 10 * time.Millisecond}, {Kind: Close, Code: 4001, When: When{Count: 3}}}, canon: "delay:10ms,close:4001@3"},
	// Spaces around a verb's parts read the same for every verb.
	{name: "spaced delay", in: "delay: 100ms ~ 20ms", want: []Verb{{Kind: Delay, Dur: 100 * time.Millisecond, Jitter: 20 * time.Millisecond}}, canon: "delay:100ms~20ms"},
	{name: "spaced frag", in: "frag : 1", want: []Verb{{Kind: Frag, Size: 1}}, canon: "frag:1"},
	{name: "spaced bw", in: "bw: 8KiB @ 2s", want: []Verb{{Kind: BW, Size: 8 << 10, When: When{After: 2 * time.Second}}}, canon: "bw:8KiB@2s"},
	{name: "spaced hsdelay", in: "hsdelay: 2s", want: []Verb{{Kind: HSDelay, Dur: 2 * time.Second}}, canon: "hsdelay:2s"},
	{name: "spaced alert", in: "alert: handshake_failure", want: []Verb{{Kind: Alert, Code: 40}}, canon: "alert:handshake_failure"},
	{name: "spaced status", in: "status: 503", want: []Verb{{Kind: Status, Code: 503}}, canon: "status:503"},
	{name: "spaced close", in: "close: 4001", want: []Verb{{Kind: Close, Code: 4001}}, canon: "close:4001"},
	{name: "spaced close reason", in: "close: 4001 : going away @ 3", want: []Verb{{Kind: Close, Code: 4001, Reason: "going away", When: When{Count: 3}}}, canon: "close:4001:going away@3"},
	{name: "spaced when", in: "rst @ 1KiB, nopong @2", want: []Verb{{Kind: RST, When: When{Count: 1024}}, {Kind: NoPong, When: When{Count: 2}}}, canon: "rst@1KiB,nopong@2"},
	{name: "eight verbs", in: "delay:1ms,frag:1,bw:1KiB,close@9,fin@10,rst@11,blackhole@12,nopong",
		want: []Verb{{Kind: Delay, Dur: time.Millisecond}, {Kind: Frag, Size: 1}, {Kind: BW, Size: 1024},
			{Kind: Close, When: When{Count: 9}}, {Kind: FIN, When: When{Count: 10}}, {Kind: RST, When: When{Count: 11}},
			{Kind: Blackhole, When: When{Count: 12}}, {Kind: NoPong}}},
	// Leading zeros are ignored, however many, in every number (as
	// time.ParseDuration ignores them): none is refused for its length.
	{name: "frag leading zero", in: "frag:01", want: []Verb{{Kind: Frag, Size: 1}}, canon: "frag:1"},
	{name: "frag leading zeros", in: "frag:00000000001", want: []Verb{{Kind: Frag, Size: 1}}, canon: "frag:1"},
	{name: "count leading zeros", in: "rst@000000000002", want: []Verb{{Kind: RST, When: When{Count: 2}}}, canon: "rst@2"},
	{name: "code leading zeros", in: "close:000000004001", want: []Verb{{Kind: Close, Code: 4001}}, canon: "close:4001"},
	{name: "bw leading zeros", in: "bw:000000000008KiB", want: []Verb{{Kind: BW, Size: 8 << 10}}, canon: "bw:8KiB"},
	{name: "unit in lower case", in: "bw:8kib", want: []Verb{{Kind: BW, Size: 8 << 10}}, canon: "bw:8KiB"},
	// D and J are each a duration of at most a minute (Describe's bounds
	// say so): an echo may be held up to two.
	// The bounds themselves are in: a jitter of 0 (no jitter), the first
	// and last status, a close reason of the most a close frame holds.
	{name: "jitter zero", in: "delay:100ms~0", want: []Verb{{Kind: Delay, Dur: 100 * time.Millisecond}}, canon: "delay:100ms"},
	{name: "status 400", in: "status:400", want: []Verb{{Kind: Status, Code: 400}}},
	{name: "status 599", in: "status:599", want: []Verb{{Kind: Status, Code: 599}}},
	{name: "close 1003", in: "close:1003", want: []Verb{{Kind: Close, Code: 1003}}},
	{name: "close 1007", in: "close:1007", want: []Verb{{Kind: Close, Code: 1007}}},
	{name: "close 1014", in: "close:1014", want: []Verb{{Kind: Close, Code: 1014}}},
	{name: "close 3000", in: "close:3000", want: []Verb{{Kind: Close, Code: 3000}}},
	{name: "close 4999", in: "close:4999", want: []Verb{{Kind: Close, Code: 4999}}},
	{name: "close longest reason", in: "close:4001:" + strings.Repeat("r", 123), want: []Verb{{Kind: Close, Code: 4001, Reason: strings.Repeat("r", 123)}}},
	// A bound written in bytes has ten digits; ten are allowed.
	{name: "count bound in bytes", in: "rst@1073741824", want: []Verb{{Kind: RST, When: When{Count: MaxCount}}}, canon: "rst@1GiB"},
	{name: "bw bound in bytes", in: "bw:1073741824", want: []Verb{{Kind: BW, Size: MaxBW}}, canon: "bw:1GiB"},
	{name: "longest spec", in: "rst" + strings.Repeat(" ", 1021), want: []Verb{{Kind: RST}}, canon: "rst"},
	{name: "max duration", in: "delay:60s~60s", want: []Verb{{Kind: Delay, Dur: time.Minute, Jitter: time.Minute}}, canon: "delay:1m0s~1m0s"},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if got := s.Verbs(); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			canon := tt.canon
			if canon == "" && strings.TrimSpace(tt.in) != "" {
				canon = tt.in
			}
			if got := s.String(); got != canon {
				t.Errorf("String() = %q, want %q", got, canon)
			}
			again, err := Parse(s.String())
			if err != nil || !reflect.DeepEqual(again.Verbs(), s.Verbs()) {
				t.Errorf("String() %q does not read back: %v, %+v", s.String(), err, again.Verbs())
			}
		})
	}
}

// badSpecTests are specs that must fail, each with the verb the error must
// name and a word of its reason.
var badSpecTests = []struct {
	in, verb, why string
}{
	{"foo", "foo", "unknown verb"},
	{"delay", "delay", "needs a duration"},
	{"delay:", "delay", "needs a duration"},
	{"delay:abc", "delay", "not a duration"},
	{"delay:-1s", "delay", "positive"},
	{"delay:61s", "delay", "longer than"},
	{"delay:10ms~2m", "delay", "jitter"},
	{"delay:0", "delay", "does nothing"},
	{"frag:0", "frag", "from 1 to 16384"},
	{"frag:16385", "frag", "from 1 to 16384"},
	{"frag:x", "frag", "from 1 to"},
	{"frag:-1", "frag", "from 1 to"},
	{"bw:100", "bw", "1KiB"},
	{"bw:1023", "bw", "1KiB"},
	{"bw:2GiB", "bw", "1KiB to 1GiB"},
	{"bw:8KB", "bw", "1KiB"},
	{"hsdelay:0s", "hsdelay", "positive"},
	{"hsdelay:2m", "hsdelay", "longer than"},
	{"hsdelay:1s@2", "hsdelay", "no @when"},
	{"alert:nope", "alert", "handshake_failure"},
	{"alert", "alert", "needs an alert name"},
	{"alert:internal_error@1s", "alert", "no @when"},
	{"close:abc", "close", "close code"},
	{"close:1005", "close", "may not be sent"},
	{"close:1006", "close", "may not be sent"},
	{"close:2000", "close", "not a close code"},
	{"close:1004", "close", "may not be sent"},
	{"close:1015", "close", "may not be sent"},
	{"close:2999", "close", "not a close code"},
	{"close:5000", "close", "not a close code"},
	{"close:999", "close", "not a close code"},
	{"close:4001:" + strings.Repeat("x", 124), "close", "at most 123"},
	{"close:4001:bad\x01", "close", "printable"},
	{"close:4001:bad\xff", "close", "printable"},
	{"status", "status", "needs an HTTP status"},
	{"status:200", "status", "400 to 599"},
	{"status:600", "status", "400 to 599"},
	{"status:503@2", "status", "no @when"},
	{"status: ", "status", "needs an HTTP status"},
	{"alert: ", "alert", "needs an alert name"},
	{"close: ", "close", "close code"},
	{"close:", "close", `"": want a close code such as`},
	{"close: 40 01", "close", "close code"},
	{"status: 5 03", "status", "400 to 599"},
	{"fin: ", "fin", "takes no argument"},
	{"rst@ ", "rst", "want a count"},
	// Verbs and names match in ASCII case only: strings.ToLower maps İ
	// (U+0130) to i and the Kelvin sign (U+212A) to k.
	{"f\u0130n", "f\u0130n", "unknown verb"},
	{"blac\u212ahole", "blac\u212ahole", "unknown verb"},
	{"alert:\u0130NTERNAL_ERROR", "alert", "handshake_failure"},
	{"frag:00000000000000000001x", "frag", "from 1 to"},
	{"frag:100000000000", "frag", "from 1 to"},
	{"status:+503", "status", "400 to 599"},
	{"close:+4001", "close", "close code"},
	{"close:-1000", "close", "close code"},
	{"fin:1", "fin", "takes no argument"},
	{"nopong:x", "nopong", "takes no argument"},
	{"rst@0", "rst", "from 1 to"},
	{"rst@-1", "rst", `@"-1"`},
	{"rst@2GiB", "rst", `@"2GiB"`},
	{"rst@2048MiB", "rst", "from 1 to"},
	{"rst@61s", "rst", `@"61s": 1m1s is longer than the 1m0s`},
	{"rst@0s", "rst", "above 0"},
	{"rst@-2s", "rst", "above 0"},
	{"bw:9999999999GiB", "bw", "1KiB to 1GiB"},
	{"rst@9999999999GiB", "rst", `@"9999999999GiB"`},
	{"rst@soon", "rst", `@"soon"`},
	{"rst@1@2", "rst", `@"1@2"`},
	{"delay:1ms,delay:2ms", "delay", "given twice"},
	{"delay:1ms,,rst", "spec", "empty"},
	{"rst,", "spec", "empty"},
	{"delay:1ms, ,rst", "spec", "item 2 is empty"},
	{"delay:1ms,frag:1,bw:1KiB,close@9,fin@10,rst@11,blackhole@12,nopong,status:500", "status", "at most 8"},
	{strings.Repeat("x", 1025), "spec", "at most 1024"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range badSpecTests {
		t.Run(tt.in[:min(len(tt.in), 40)], func(t *testing.T) {
			s, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %v, want an error", tt.in, s)
			}
			var fe *Error
			if !errors.As(err, &fe) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "fault: "+tt.verb+": ") && !strings.HasPrefix(msg, "fault: \""+tt.verb+"\": ") {
				t.Errorf("error %q does not name %q first", msg, tt.verb)
			}
			if !strings.Contains(msg, tt.why) {
				t.Errorf("error %q does not say %q", msg, tt.why)
			}
			if strings.Contains(msg, "\n") {
				t.Errorf("error %q is more than one line", msg)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.in)
	}
	for _, tt := range badSpecTests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := Parse(in)
		if err != nil {
			if s != nil {
				t.Fatalf("Parse(%q) returned a spec and an error", in)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("error of %q has a newline: %q", in, err)
			}
			return
		}
		if n := len(s.Verbs()); n > MaxVerbs {
			t.Fatalf("Parse(%q) gave %d verbs", in, n)
		}
		again, err := Parse(s.String())
		if err != nil {
			t.Fatalf("String() of %q = %q does not parse: %v", in, s.String(), err)
		}
		if !reflect.DeepEqual(again.Verbs(), s.Verbs()) {
			t.Fatalf("%q: String() %q reads back as %+v, want %+v", in, s.String(), again.Verbs(), s.Verbs())
		}
		for _, v := range s.Verbs() {
			if v.Dur > MaxDuration || v.Jitter > MaxDuration || v.When.After > MaxDuration || v.When.Count > MaxCount {
				t.Fatalf("%q: %v is out of bounds", in, v)
			}
		}
	})
}
