package memory

import "strings"

// badTokenChars may not appear inside a token. The wildcards are only
// meaningful as whole tokens, so "a*" is rejected rather than silently treated
// as a literal; whitespace is rejected because the NATS wire protocol splits
// on it, so such a subject would work here and break on NATS.
const badTokenChars = "*> \t\r\n"

// validSubject reports whether s may be published to: one or more non-empty,
// wildcard-free tokens separated by dots.
func validSubject(s string) bool { return validTokens(s, false) }

// validPattern reports whether s may be subscribed to: like a subject, but a
// token may be "*", and the last token may be ">".
func validPattern(s string) bool { return validTokens(s, true) }

func validTokens(s string, wildcards bool) bool {
	if s == "" {
		return false
	}
	for {
		tok, rest, more := strings.Cut(s, ".")
		switch {
		case tok == "":
			return false
		case tok == "*":
			if !wildcards {
				return false
			}
		case tok == ">":
			if !wildcards || more {
				return false
			}
		case strings.ContainsAny(tok, badTokenChars):
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}
