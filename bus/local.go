package bus

// Local is implemented by a bus whose messages never leave the process
// (bus/memory). What is published on it is read by this binary alone, so
// it may use a form that older versions cannot read; on a bus that spans
// nodes, nodes of an older version may be listening during an upgrade.
type Local interface {
	Local() bool
}

// IsLocal reports whether b keeps its messages inside the process.
func IsLocal(b Bus) bool {
	l, ok := b.(Local)
	return ok && l.Local()
}
