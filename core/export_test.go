package core

// PendingOnline is how many session starts wait for the next batch
// (onlinebatch.go), so a test can tell when a burst has queued.
func PendingOnline(n *Node) int {
	n.online.mu.Lock()
	defer n.online.mu.Unlock()
	return len(n.online.pending)
}
