package bus

import "strings"

// badTokenChars may not appear inside a token. The wildcards are only
// meaningful as whole tokens, so "a*" is rejected rather than silently treated
// as a literal; whitespace is rejected because the NATS wire protocol splits
// on it, so such a subject would work in memory and break on NATS. Every
// implementation checks subjects with these, so they fail alike.
const badTokenChars = "*> \t\r\n"

// ValidSubject reports whether s may be published to: one or more non-empty,
// wildcard-free tokens separated by dots.
func ValidSubject(s string) bool { return validTokens(s, false) }

// ValidPattern reports whether s may be subscribed to: like a subject, but a
// token may be "*", and the last token may be ">".
func ValidPattern(s string) bool { return validTokens(s, true) }

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
