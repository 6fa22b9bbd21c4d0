package main

import (
	"strings"
	"testing"
)

// TestConfigNumberOutOfRange checks that a number too large (or too
// negative) for the setting is called that, not "not a valid number":
// the README has TLSECHO_MAX_MESSAGE_BYTES above 2^62 mean 2^62, so a
// user who writes a larger one is to learn where the end is.
func TestConfigNumberOutOfRange(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ env, want string }{
		{"TLSECHO_MAX_MESSAGE_BYTES=99999999999999999999", `TLSECHO_MAX_MESSAGE_BYTES: "99999999999999999999" is too large a number`},
		{"TLSECHO_MAX_CONNS=-99999999999999999999", `TLSECHO_MAX_CONNS: "-99999999999999999999" is too large a negative number`},
	} {
		_, err := loadConfig([]string{tt.env})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.env, err, tt.want)
		}
	}
	if _, err := loadConfig([]string{"TLSECHO_MAX_MESSAGE_BYTES=9223372036854775807"}); err != nil {
		t.Errorf("the largest int64: %v", err)
	}
}
