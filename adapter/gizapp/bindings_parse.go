package gizapp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-iot/switchboard/internal/httpjson"
)

// Parsing of the bindings endpoints' bodies and query, as pure functions
// (fuzzed by FuzzParseBindings).

// deviceRef is one entry of a bind or unbind request.
type deviceRef struct {
	DID      string `json:"did"`
	Passcode string `json:"passcode"`
	Remark   string `json:"remark"`
	Alias    string `json:"dev_alias"`
}

// maxDevicesPerRequest bounds one bind or unbind batch.
const maxDevicesPerRequest = 100

// parseDevices reads {"devices":[{"did",...}, ...]} (POST and DELETE
// /app/bindings). Every entry needs a did; passcodes are checked by the
// core, so an entry without one simply fails.
func parseDevices(body []byte) ([]deviceRef, error) {
	var req struct {
		Devices []deviceRef `json:"devices"`
	}
	if err := httpjson.Decode(body, &req); err != nil {
		return nil, err
	}
	if len(req.Devices) == 0 {
		return nil, errors.New(`"devices" must list at least one device`)
	}
	if len(req.Devices) > maxDevicesPerRequest {
		return nil, fmt.Errorf(`"devices" lists more than %d devices`, maxDevicesPerRequest)
	}
	for i, d := range req.Devices {
		if d.DID == "" || len(d.DID) > 64 {
			return nil, fmt.Errorf("devices[%d]: did missing or too long", i)
		}
	}
	return req.Devices, nil
}

// bindingUpdate is a parsed PUT /app/bindings/{did}; nil means unchanged.
type bindingUpdate struct {
	Remark, Alias *string
	Labels        []string // nil: unchanged
}

// Limits of a user's notes on a device (the core enforces the same on bind).
const (
	maxRemark    = 1024
	maxAlias     = 256
	maxLabels    = 32
	maxLabelSize = 64
)

// parseBindingUpdate reads {"remark"?,"dev_alias"?,"dev_label"?}; at least
// one must be given (the Open API says so). dev_label is a list of strings
// in the documents; a single string is taken as a list of one.
func parseBindingUpdate(body []byte) (bindingUpdate, error) {
	var req struct {
		Remark *string          `json:"remark"`
		Alias  *string          `json:"dev_alias"`
		Label  *json.RawMessage `json:"dev_label"`
	}
	if err := httpjson.Decode(body, &req); err != nil {
		return bindingUpdate{}, err
	}
	if req.Remark == nil && req.Alias == nil && req.Label == nil {
		return bindingUpdate{}, errors.New(`give "remark", "dev_alias" or "dev_label"`)
	}
	u := bindingUpdate{Remark: req.Remark, Alias: req.Alias}
	if u.Remark != nil && len(*u.Remark) > maxRemark {
		return bindingUpdate{}, fmt.Errorf("remark longer than %d bytes", maxRemark)
	}
	if u.Alias != nil && len(*u.Alias) > maxAlias {
		return bindingUpdate{}, fmt.Errorf("dev_alias longer than %d bytes", maxAlias)
	}
	if req.Label != nil {
		labels, err := parseLabels(*req.Label)
		if err != nil {
			return bindingUpdate{}, err
		}
		u.Labels = labels
	}
	return u, nil
}

// parseLabels reads dev_label: [strings], one string, or null (= none).
func parseLabels(m json.RawMessage) ([]string, error) {
	labels := []string{}
	var one string
	switch {
	case string(bytes.TrimSpace(m)) == "null":
	case json.Unmarshal(m, &one) == nil:
		if one != "" {
			labels = append(labels, one)
		}
	case json.Unmarshal(m, &labels) == nil:
	default:
		return nil, errors.New("dev_label must be a list of strings")
	}
	if len(labels) > maxLabels {
		return nil, fmt.Errorf("dev_label has more than %d labels", maxLabels)
	}
	for _, l := range labels {
		if len(l) > maxLabelSize {
			return nil, fmt.Errorf("a dev_label is longer than %d bytes", maxLabelSize)
		}
	}
	return labels, nil
}

// encodeLabels and decodeLabels keep dev_label in the store's single text
// column as a JSON array; text that is not one is a single label, so a
// label set by other means still shows.
func encodeLabels(labels []string) string {
	if len(labels) == 0 {
		return ""
	}
	b, _ := json.Marshal(labels)
	return string(b)
}

func decodeLabels(s string) []string {
	out := []string{}
	if s == "" {
		return out
	}
	if json.Unmarshal([]byte(s), &out) != nil || out == nil {
		return []string{s}
	}
	return out
}

// listQuery is GET /app/bindings' query.
type listQuery struct {
	limit, skip  int
	showDisabled bool
}

// maxLimit caps a bindings page; a larger limit is lowered, not refused,
// so a client asking for "everything" still gets a page.
const maxLimit = 1000

// parseListQuery reads limit (default 20), skip (default 0) and the 0/1
// flags show_disabled and show_proto_ver (proto_ver is always present).
func parseListQuery(q url.Values) (listQuery, error) {
	out := listQuery{limit: 20}
	var err error
	if s := q.Get("limit"); s != "" {
		if out.limit, err = strconv.Atoi(s); err != nil || out.limit < 1 {
			return listQuery{}, errors.New("limit must be a positive integer")
		}
		out.limit = min(out.limit, maxLimit)
	}
	if s := q.Get("skip"); s != "" {
		if out.skip, err = strconv.Atoi(s); err != nil || out.skip < 0 {
			return listQuery{}, errors.New("skip must be 0 or more")
		}
	}
	if out.showDisabled, err = flag(q.Get("show_disabled")); err != nil {
		return listQuery{}, errors.New("show_disabled " + err.Error())
	}
	if _, err = flag(q.Get("show_proto_ver")); err != nil {
		return listQuery{}, errors.New("show_proto_ver " + err.Error())
	}
	return out, nil
}

// flag reads a query flag: 0/1 as documented, true/false as browsers'
// form helpers send them, empty as 0.
func flag(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, errors.New("must be 0 or 1")
}
