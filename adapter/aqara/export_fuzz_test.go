package aqara

import (
	"encoding/json"
	"time"
)

// PageArgs decodes an intent's data the way query.device.info and
// query.position.info do, and pages it with their sizes (50 of at most 100).
func PageArgs(data json.RawMessage) (limit, offset int, err error) {
	var d struct {
		PageNum  flexInt `json:"pageNum"`
		PageSize flexInt `json:"pageSize"`
	}
	if err := decodeData(data, &d); err != nil {
		return 0, 0, err
	}
	return page(d.PageNum, d.PageSize, 50, 100)
}

// ParseValidity exposes parseValidity (accessTokenValidity).
func ParseValidity(s string) (time.Duration, error) { return parseValidity(s) }
