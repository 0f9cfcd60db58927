package gizapp

import "net/url"

// ParseListQuery exposes parseListQuery (GET /app/bindings' query).
func ParseListQuery(q url.Values) (limit, skip int, showDisabled bool, err error) {
	l, err := parseListQuery(q)
	return l.limit, l.skip, l.showDisabled, err
}
