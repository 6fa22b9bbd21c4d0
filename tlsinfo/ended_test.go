package tlsinfo

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

var endedTests = []struct {
	name string
	err  error
	want string
}{
	{name: "nil"},
	{name: "EOF unchanged", err: io.EOF, want: "EOF"},
	{
		name: "renegotiation",
		err:  errors.New("tls: received unexpected handshake message of type *tls.clientHelloMsg when waiting for *tls.helloRequestMsg"),
		want: "client asked to renegotiate (a ClientHello after the TLS 1.2 handshake), which this server does not do: connection ended with an unexpected_message alert",
	},
	{
		name: "other message types named",
		err:  errors.New("tls: received unexpected handshake message of type *tls.certificateMsgTLS13 when waiting for *tls.newSessionTicketMsgTLS13"),
		want: "tls: received unexpected handshake message of type Certificate when waiting for NewSessionTicket",
	},
}

func TestEnded(t *testing.T) {
	for _, tt := range endedTests {
		t.Run(tt.name, func(t *testing.T) {
			got := Ended(tt.err)
			if tt.err == nil {
				if got != nil {
					t.Fatalf("Ended(nil) = %v", got)
				}
				return
			}
			if got.Error() != tt.want {
				t.Errorf("Ended(%q) = %q\nwant %q", tt.err, got, tt.want)
			}
			if !errors.Is(fmt.Errorf("wrapped: %w", got), tt.err) {
				t.Errorf("Ended(%q) no longer wraps it", tt.err)
			}
		})
	}
}
