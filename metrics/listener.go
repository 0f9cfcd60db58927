package metrics

// Listener returns the callbacks that count one listener's accept errors
// and refused connections (internal/netlimit takes them as options).
func (m *Metrics) Listener(name string) (acceptError func(error), refused func(reason string)) {
	errs := m.AcceptErrors.WithLabelValues(name)
	return func(error) { errs.Inc() },
		func(reason string) { m.ConnectionsRefused.WithLabelValues(name, reason).Inc() }
}
