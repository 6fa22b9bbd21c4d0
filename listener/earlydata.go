package listener

import (
	"strings"

	"github.com/tlsecho/tlsecho/tlsinfo"
)

// earlyData is crypto/tls's error for a ClientHello that offers early
// data (0-RTT); it has no error value to match.
const earlyData = "tls: client sent unexpected early data"

// earlyDataRefused says why a client that offered early data was
// refused. RFC 8446 section 4.2.10 lets a server decline early data and
// go on with the handshake, skipping the records it cannot read;
// crypto/tls does not, and ends the handshake with an unsupported_extension
// alert, out of reach of anything around it. Its words, "unexpected
// early data", blame a client that did nothing wrong and do not say what
// to do. Since the server's own tickets never allow early data, such a
// client holds the ticket of another server (one that answered at this
// address before, say). Other errors are returned as they are.
func earlyDataRefused(err error) error {
	if err == nil || !strings.HasSuffix(err.Error(), earlyData) {
		return err
	}
	return tlsinfo.Reword(err, "client offered early data (0-RTT), which crypto/tls refuses with an unsupported_extension alert "+
		"rather than declining it (RFC 8446 section 4.2.10); this server's tickets never allow early data, "+
		"so the client holds another server's ticket and must connect again without early data")
}
