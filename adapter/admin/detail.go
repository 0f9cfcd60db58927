package admin

import (
	"errors"
	"strings"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/core"
)

// The operator API says more than the vendor APIs (an operator fixing a
// product definition needs the attr and the reason), but never passes on
// an error chain: those go to the log.

// schemaDetail is why a product definition was refused: the
// *datapoint.SchemaError's own reason without the package prefix, or the
// core's reason.
func schemaDetail(err error) string {
	var se *datapoint.SchemaError
	if errors.As(err, &se) {
		return strings.TrimPrefix(se.Error(), "datapoint: ")
	}
	return orDefault(core.Detail(err), "invalid product definition")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
