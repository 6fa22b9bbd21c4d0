package main

import "strconv"

// closeCodeLabel is the code label of tlsecho_ws_closes_total for a
// WebSocket close code. The code is mostly the client's choice: any of
// 3000-4999 is valid on the wire (RFC 6455 section 7.4.2), so a label per
// number would let one client make two thousand series, each kept for the
// process's life by every Prometheus that scrapes it. The codes of the
// IANA registry (1000-1015, RFC 6455 section 11.7) each keep their number,
// since each means one thing; the ranges for libraries and frameworks
// (3000-3999) and for private use (4000-4999) are one label each; 0 is a
// connection dropped without a close frame, and anything else is "other".
func closeCodeLabel(code int) string {
	switch {
	case code == 0 || code >= 1000 && code <= 1015:
		return strconv.Itoa(code)
	case code >= 3000 && code <= 3999:
		return "3000-3999"
	case code >= 4000 && code <= 4999:
		return "4000-4999"
	}
	return "other"
}
