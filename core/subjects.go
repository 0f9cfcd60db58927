package core

import "strings"

// Bus subjects. Every per-device subject starts with "sb.dev.<did>" so a node
// can subscribe to one device or, with a wildcard, to all of them. A did is
// 22 base62 characters, so it is always a single valid subject token.
const subjectPrefix = "sb.dev."

// SubjectData carries DeviceEvents of kind data (reports, replies, acks, raw
// frames) from the node that holds a device's session to every app session.
func SubjectData(did string) string { return subjectPrefix + did + ".data" }

// SubjectStatus carries online/offline DeviceEvents.
func SubjectStatus(did string) string { return subjectPrefix + did + ".status" }

// SubjectDown carries Downlinks to the node that holds the device's session.
func SubjectDown(did string) string { return subjectPrefix + did + ".down" }

// SubjectControl carries Controls (for example: close the device's session).
func SubjectControl(did string) string { return subjectPrefix + did + ".ctl" }

// Patterns matching the subjects above for every device.
const (
	PatternAllData    = subjectPrefix + "*.data"
	PatternAllStatus  = subjectPrefix + "*.status"
	PatternAllDown    = subjectPrefix + "*.down"
	PatternAllControl = subjectPrefix + "*.ctl"
)

// DIDOfSubject returns the did of a per-device subject ("sb.dev.<did>.…"),
// so a subscriber to a wildcard can skip events it has no use for before
// decoding them.
func DIDOfSubject(subject string) (string, bool) {
	rest, ok := strings.CutPrefix(subject, subjectPrefix)
	if !ok {
		return "", false
	}
	did, _, ok := strings.Cut(rest, ".")
	return did, ok && did != ""
}
