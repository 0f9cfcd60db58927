package aqara

import "encoding/json"

// ParseRequest exposes parseRequest to the fuzz target.
func ParseRequest(body []byte) (intent string, data json.RawMessage, err error) {
	r, err := parseRequest(body)
	return r.Intent, r.Data, err
}

// IntentNames lists every intent the API serves.
func IntentNames() []string {
	var out []string
	for name := range intentTable() {
		out = append(out, name)
	}
	return out
}
