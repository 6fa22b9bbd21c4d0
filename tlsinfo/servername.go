package tlsinfo

import (
	"cmp"
	"strings"

	"golang.org/x/crypto/cryptobyte"
)

// parseServerName decodes a server_name extension (RFC 6066 section 3):
// every entry, before any is judged, so that one that does not decode
// gives nothing. It then takes crypto/tls's rules in its order, entry by
// entry: a list of at least one name, no empty name of any type, one
// host_name at most, which does not end in a dot. ServerName is the
// first host_name that is not empty, the first server_name's.
func (h *ClientHello) parseServerName(data cryptobyte.String) (why string, named bool) {
	var list cryptobyte.String
	if why := readList(data, 2, &list); why != "" {
		return why, false
	}
	for entries := list; !entries.Empty(); {
		var nameType uint8
		var name cryptobyte.String
		if !entries.ReadUint8(&nameType) || !entries.ReadUint16LengthPrefixed(&name) {
			return "a name overruns its list", false
		}
	}
	if list.Empty() {
		why = emptyList
	}
	var host string
	for !list.Empty() {
		var nameType uint8
		var name cryptobyte.String
		list.ReadUint8(&nameType)
		list.ReadUint16LengthPrefixed(&name)
		switch {
		case name.Empty():
			// Wireshark shows no empty name: it gives no "d".
			why = cmp.Or(why, "a name in it is empty")
			continue
		case nameType != 0: // not host_name: crypto/tls skips it
		case host != "":
			why = cmp.Or(why, "it holds a second host_name")
		default:
			host = string(name)
			if strings.HasSuffix(host, ".") {
				why = cmp.Or(why, "its host_name ends in a dot")
			}
		}
		named = true
	}
	if h.ServerName == "" {
		h.ServerName = host
	}
	return why, named
}
