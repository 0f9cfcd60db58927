package core

// Presence tracks which app sessions watch which device, so a device can ask
// how many apps are listening (cli2ser_req 0x020F) and so several nodes can
// agree on it. A distributed implementation comes with the multi-node issue.
type Presence interface {
	// Add records that session watches did. Adding twice is harmless.
	Add(did, session string) error
	// Remove forgets it. Removing an absent pair is harmless.
	Remove(did, session string) error
	// Count is the number of sessions watching did.
	Count(did string) (int, error)
}
