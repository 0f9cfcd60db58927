package nats

// SlowEpisodes is how many times nats.go reported a slow consumer, logged
// or not.
func (b *Bus) SlowEpisodes() uint64 { return b.slow.episodes.Load() }
